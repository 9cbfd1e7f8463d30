"""Workbooks for the registry import tests, written with openpyxl as Excel would save them."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

SYSTEM_HEADER = [
    "システムコード",
    "システム名",
    "部局",
    "所属",
    "区分",
    "初期運用開始年度",
    "インターネット公開",
    "サーバ設置場所",
    "職員数",
    "うち情報系職員数",
    "常駐委託業者人数",
    "課題",
    "更新計画",
]
CONTRACT_HEADER = ["システムコード", "年度", "事業者名", "契約種別", "契約金額"]
COST_HEADER = ["システムコード", "年度", "予算決算", "費目", "観点", "金額（千円）"]
MONITORING_HEADER = ["システムコード", "サービス", "登録", "独自対策", "対象外理由"]


def system_row(code: str = "A-001", **overrides: Any) -> list[Any]:
    values = {
        "システムコード": code,
        "システム名": f"試験システム{code}",
        "部局": "総務部",
        "所属": "",
        "区分": "スクラッチ",
        "初期運用開始年度": 2010,
        "インターネット公開": "無",
        "サーバ設置場所": "データセンター",
        "職員数": 3,
        "うち情報系職員数": 1,
        "常駐委託業者人数": 0,
        "課題": "",
        "更新計画": "",
    }
    values.update(overrides)
    return [values[header] for header in SYSTEM_HEADER]


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An .xlsx with the given sheets (first row of each list is its header)."""
    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def basic_workbook(**extra_sheets: list[list[Any]]) -> bytes:
    """Two systems of 総務部 with a contract history, costs and monitoring."""
    sheets: dict[str, list[list[Any]]] = {
        "システム": [
            SYSTEM_HEADER,
            system_row("A-001", インターネット公開="有"),
            system_row("A-002", 部局="財務部", 区分="パッケージカスタマイズ"),
        ],
        "契約": [
            CONTRACT_HEADER,
            *[
                ["A-001", year, "試験情報株式会社", "委託役務", 1_000_000]
                for year in range(2012, 2022)
            ],
            ["A-002", 2021, "別会社株式会社", "リース", 500_000],
        ],
        "経費": [
            COST_HEADER,
            ["A-001", 2021, "予算", "ランニング", "運用・保守", 1200],
            ["A-001", 2021, "予算", "イニシャル", "開発・改修", 300],
            ["A-001", 2020, "決算", "ランニング", "運用・保守", 1100],
        ],
        "監視": [
            MONITORING_HEADER,
            ["A-001", "ウェブ感染型マルウェア検知", "有", "", ""],
        ],
    }
    sheets.update(extra_sheets)
    return workbook_bytes(sheets)
