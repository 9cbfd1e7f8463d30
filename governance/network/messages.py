"""The messages the network connection services refuse with (module constants tests assert on).

Kept in one module because the request, review, decision and lifecycle services share several.
Each is marked with ``gettext_noop`` and translated where it is raised.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

# --- The application ------------------------------------------------------------------------
EMPTY_TITLE = gettext_noop("件名: 入力してください。")
PURPOSE_REQUIRED = gettext_noop("接続の目的: 入力してください。")
END_BEFORE_START = gettext_noop("接続終了予定日: 接続開始希望日より前の日付は指定できません。")
SEGMENT_OTHER_NAME_REQUIRED = gettext_noop(
    "その他の閉域網の名称: 「その他の閉域網」を選んだ場合は名称を入力してください。"
)
CROSSING_METHOD_REQUIRED = gettext_noop(
    "セグメント間の連携方法: セグメントをまたぐ場合は連携方法"
    "（無害化、画面転送 等）を入力してください。"
)
WIRELESS_AUTH_REQUIRED = gettext_noop("無線LANの認証方式: 無線LANを使う場合は選んでください。")
ASSET_REQUIRED = gettext_noop("機器: 接続する機器を 1 台以上入力してください。")
FLOW_REQUIRED = gettext_noop(
    "通信: 通信の内容（通信元・通信先・ポート）を 1 行以上入力してください。"
)
DIAGRAM_REQUIRED = gettext_noop(
    "ネットワーク構成図: サーバ・ネットワーク機器・外部回線の申請には構成図を添付してください。"
)
WILDCARD_OUTBOUND_ONLY = gettext_noop(
    "通信{number}: ワイルドカード（*.example.jp）は外向きの通信にのみ、用途を添えて指定できます。"
)
MAC_TAKEN = gettext_noop(
    "機器「{hostname}」の MAC アドレス {mac} は、使用中の機器「{other}」"
    "（システム {system}）に登録されています。"
)
HOSTNAME_TWICE = gettext_noop("機器: ホスト名「{hostname}」が 2 回入力されています。")
OPEN_REQUEST_EXISTS = gettext_noop(
    "機器「{hostname}」の{segment}への接続は、審査中の申請 {number} があります。"
)
RENEWAL_OF_REVOKED = gettext_noop("取り消された承認は更新できません。新規の申請としてください。")
RENEWAL_OF_EXPIRED = gettext_noop(
    "有効期限を過ぎた承認は更新できません。新規の申請としてください（継続性はありません）。"
)
RENEWAL_NEEDS_APPROVAL = gettext_noop("更新する承認を選んでください。")
RENEWAL_OTHER_SYSTEM = gettext_noop("更新する承認は、選んだシステムのものではありません。")
SYSTEM_REQUIRED = gettext_noop("情報システム: 選んでください。")

# --- Steps ----------------------------------------------------------------------------------
NOT_UNDER_REVIEW = gettext_noop("この申請は現在、審査中ではありません。")
NOT_RETURNED = gettext_noop("この申請は現在、部局への差戻し中ではありません。")
NOT_AWAITING_APPROVAL = gettext_noop("この申請は決裁待ちではありません。")
NOT_AWAITING_CISO = gettext_noop("この申請は CISO の決裁待ちではありません。")
NOT_AWAITING_CONNECTION = gettext_noop("この申請は接続の登録待ちではありません。")
NOT_AWAITING_ACKNOWLEDGEMENT = gettext_noop("この申請は部局の確認待ちではありません。")
ALREADY_PROCESSED = gettext_noop("この手続は既に処理されています。")
MESSAGE_REQUIRED = gettext_noop("差し戻す理由（部局への連絡）を入力してください。")
REASON_REQUIRED = gettext_noop("理由を入力してください。")
CHECKLIST_INCOMPLETE = gettext_noop("確認観点「{perspective}」の結果を選んでください。")
PENDING_PROPOSALS = gettext_noop(
    "未判断の自動確認結果が {count} 件あります。採用するか不採用にしてから完了してください。"
)
PROPOSAL_DECIDED = gettext_noop("この自動確認結果は既に判断済みです。")
DISMISS_REASON_REQUIRED = gettext_noop("不採用とする理由を入力してください。")
FINDING_TEXT_REQUIRED = gettext_noop("指摘事項: 内容を入力してください。")
UNKNOWN_PERSPECTIVE = gettext_noop("確認観点を選んでください。")
NOT_OF_THIS_CASE = gettext_noop("この指摘事項は別の案件のものです。")
UNKNOWN_DECISION = gettext_noop("判断を選んでください。")
VLAN_PLAN_REQUIRED = gettext_noop(
    "割当 VLAN・割当アドレス: 技術確認を完了するには VLAN と IP アドレスの計画を入力してください。"
)
CONDITIONS_REQUIRED = gettext_noop("条件付承認には、期限のある条件を 1 件以上入力してください。")
CONDITION_DUE_REQUIRED = gettext_noop("条件{number}: 履行期限を入力してください。")
CONDITION_DUE_PAST = gettext_noop("条件{number}: 履行期限に過去の日付は指定できません。")
CONDITIONS_WITH_PLAIN_APPROVAL = gettext_noop("条件を付す場合は「条件付承認」を選んでください。")
MONITORING_CONDITION_REQUIRED = gettext_noop(
    "監視サービスに関する条件を付すか、指摘を不採用とした理由を記録してください"
)
PROPOSED_CONDITION_REQUIRED = gettext_noop(
    "指摘{number}（{text}）に関する条件を付すか、指摘を不採用とした理由を記録してください。"
)

# --- The approval's life --------------------------------------------------------------------
APPROVAL_NOT_ACTIVE = gettext_noop("この承認は接続中ではありません（{status}）。")
APPROVAL_NOT_SUSPENDED = gettext_noop("この承認は緊急遮断中ではありません（{status}）。")
APPROVAL_CANNOT_REVOKE = gettext_noop("この承認は取り消せません（{status}）。")
APPROVAL_NOT_ENDED = gettext_noop("接続解除の確認は、期限切れ又は取消の承認についてのみ行います。")
ALREADY_DISCONNECTED = gettext_noop("接続の解除は既に確認されています。")
DECOMMISSION_NOT_REPORTED = gettext_noop("部局からの廃止届がありません。")
DECOMMISSION_ALREADY_REPORTED = gettext_noop("廃止届は既に提出されています。")
NO_APPROVALS_TO_SUSPEND = gettext_noop("このシステムに接続中の承認はありません。")
REVIEW_CLOSED = gettext_noop("この見直しは既に判断済みです。")
INCIDENT_REQUIRED = gettext_noop("CSIRT による緊急遮断には、原因のインシデントを指定してください。")
CONDITION_NOT_OPEN = gettext_noop("この条件は未対応ではありません（{status}）。")
CONDITION_NOT_REPORTED = gettext_noop("この条件には部局からの報告がありません。")
EVIDENCE_REQUIRED = gettext_noop("対応内容（証跡の説明）を入力してください。")
CONDITION_NOT_WAIVABLE = gettext_noop("この条件は対応不要にできません（{status}）。")
