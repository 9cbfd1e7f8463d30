"""How the schema describes the API's two ways in (loaded by ``governance.api.urls``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class IntegrationKeyScheme(OpenApiAuthenticationExtension):
    target_class = "governance.api.authentication.IntegrationKeyAuthentication"
    name = "integrationKey"

    def get_security_definition(self, auto_schema: Any) -> Any:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Api-Key",  # noqa: S106  (the header's keyword, not a secret)
        )
        scheme["description"] = (
            "連携用APIキー（外部連携のシステム利用者のみ）。"
            "`Authorization: Api-Key <キー>` で送ります。"
        )
        return scheme


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "governance.api.authentication.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> Any:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": (
                "画面にログインしたセッション。二要素認証が必要なロールは認証コード入力後のみ利用できます。"
            ),
        }


#: The refusals every v1 operation can answer, in DRF's error format.
ERROR_RESPONSES = {
    "400": "入力（絞り込み条件・ページ位置）が正しくありません。項目ごとのメッセージを返します。",
    "401": "認証されていません（ログインしていない、またはAPIキーが無効）。",
    "403": "権限がありません（権限範囲・接続元・二要素認証・参照専用）。",
    "404": "見つからないか、見る権限がありません（存在は明かしません）。",
    "406": "JSON 以外の形式は返しません。",
    "429": "回数制限を超えました。Retry-After 秒後に再度お試しください。",
}


class ShinsaAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error responses every operation can give."""

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        media_types = self.map_renderers("media_type")
        error = {"type": "object", "additionalProperties": True}
        for code, description in ERROR_RESPONSES.items():
            responses.setdefault(
                code,
                {
                    "description": description,
                    "content": {media: {"schema": error} for media in media_types},
                },
            )
        return responses


#: What drf-spectacular's enums of a blank or absent choice mean, in the schema's language.
_EMPTY_CHOICE_DESCRIPTIONS = {"BlankEnum": "未設定（空欄）", "NullEnum": "未設定（null）"}


def describe_empty_choices(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """A choice field that may be blank (a system without a server location) is its enum *or*
    the blank value in the schema (``ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE``); the blank's own
    enum is described like every other."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, description in _EMPTY_CHOICE_DESCRIPTIONS.items():
        if name in schemas:
            schemas[name].setdefault("description", description)
    return result
