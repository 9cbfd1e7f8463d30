"""Reading and writing the registry as an Excel workbook (or one sheet as CSV).

The layout is the office's: six sheets with Japanese header rows, column order free, extra
columns ignored (the two equipment sheets are described in ``equipment``).

- ``システム``: システムコード, システム名, 部局, 所属, 区分, 初期運用開始年度,
  インターネット公開, サーバ設置場所, 職員数, うち情報系職員数, 常駐委託業者人数, 課題, 更新計画
  (optional: 状態, 台帳管理件数, 規模に関する補足, 合成データ — absent means "leave as is")
- ``契約``: システムコード, 年度, 事業者名, 契約種別, 契約金額
- ``経費``: システムコード, 年度, 予算決算, 費目, 観点, 金額（千円）
- ``監視``: システムコード, サービス, 登録, 独自対策, 対象外理由

``layout`` holds the sheets, columns and cell readers, ``reading`` the parsing, ``writing``
the export. This package only checks the shape of each cell (years as 2024 / 令和6 / R6 /
令和６年度, numbers with full-width digits and separators, the listed values) and reports
every problem with sheet, row, column and reason in Japanese. It writes nothing to the
database: names of departments and sections are resolved, and the rows applied, by
``governance.karte.services.import_systems``.
"""

from governance.karte.io.equipment import AssetRow, TargetRow
from governance.karte.io.layout import (
    COMMAND_LIMITS,
    MAX_ISSUES,
    SHEET_ASSETS,
    SHEET_CONTRACTS,
    SHEET_COSTS,
    SHEET_MONITORING,
    SHEET_SYSTEMS,
    SHEET_TARGETS,
    SHEETS,
    UNREADABLE_CSV,
    UNREADABLE_FILE,
    UPLOAD_LIMITS,
    CellError,
    ContractRow,
    CostRow,
    ImportIssue,
    ImportLimits,
    KarteImportError,
    MonitoringRow,
    ParsedImport,
    SystemRow,
    clean_text,
    normalise_name,
    read_code,
    sheet_for,
)
from governance.karte.io.reading import parse_sheets, read_csv, read_file, read_workbook
from governance.karte.io.writing import export_rows, write_csv, write_workbook

__all__ = [
    "COMMAND_LIMITS",
    "MAX_ISSUES",
    "SHEETS",
    "SHEET_ASSETS",
    "SHEET_CONTRACTS",
    "SHEET_COSTS",
    "SHEET_MONITORING",
    "SHEET_SYSTEMS",
    "SHEET_TARGETS",
    "UNREADABLE_CSV",
    "UNREADABLE_FILE",
    "UPLOAD_LIMITS",
    "AssetRow",
    "CellError",
    "ContractRow",
    "CostRow",
    "ImportIssue",
    "ImportLimits",
    "KarteImportError",
    "MonitoringRow",
    "ParsedImport",
    "SystemRow",
    "TargetRow",
    "clean_text",
    "export_rows",
    "normalise_name",
    "parse_sheets",
    "read_code",
    "read_csv",
    "read_file",
    "read_workbook",
    "sheet_for",
    "write_csv",
    "write_workbook",
]
