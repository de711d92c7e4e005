"""Chinese-friendly default messages for marshmallow's validation errors."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

_MESSAGES = {
    fields.Field: {"required": "必填字段 (required)", "null": "不能为空 (may not be null)",
                   "validator_failed": "取值无效 (invalid value)"},
    fields.String: {"invalid": "应为字符串 (not a valid string)"},
    fields.Integer: {"invalid": "应为整数 (not a valid integer)", "too_large": "数值过大 (too large)"},
    fields.Number: {"invalid": "应为数字 (not a valid number)"},
    fields.Boolean: {"invalid": "应为布尔值 (not a valid boolean)"},
    fields.Date: {"invalid": "日期格式应为 YYYY-MM-DD (not a valid date)"},
    fields.DateTime: {"invalid": "时间格式应为 ISO 8601 (not a valid datetime)"},
    fields.List: {"invalid": "应为列表 (not a valid list)"},
    fields.Dict: {"invalid": "应为对象 (not a valid mapping)"},
    fields.Nested: {"type": "应为对象 (invalid input type)"},
    fields.Email: {"invalid": "邮箱格式无效 (not a valid email)"},
}


#: Validators without a message of their own speak both languages too.
_VALIDATOR_MESSAGES = {
    validate.Range: {"message_min": "取值过小 (must be {min_op} {{min}})",
                     "message_max": "取值过大 (must be {max_op} {{max}})",
                     "message_all": "取值应在 {{min}} 到 {{max}} 之间 (must be {min_op} {{min}} and {max_op} {{max}})"},
    validate.Length: {"message_min": "长度不能少于 {min} (shorter than minimum length {min})",
                      "message_max": "长度不能超过 {max} (longer than maximum length {max})",
                      "message_all": "长度应在 {min} 到 {max} 之间 (length must be between {min} and {max})",
                      "message_equal": "长度应为 {equal} (length must be {equal})"},
    validate.OneOf: {"default_message": "必须是以下之一: {choices} (must be one of: {choices})"},
    validate.Regexp: {"default_message": "格式不正确 (does not match the expected pattern)"},
}


def install() -> None:
    for validator_cls, messages in _VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(validator_cls, name, message)
    for field_cls, messages in _MESSAGES.items():
        field_cls.default_error_messages = {**field_cls.default_error_messages, **messages}
    Schema._default_error_messages = {
        **Schema._default_error_messages,
        "unknown": "未知字段 (unknown field)",
        "type": "请求体应为 JSON 对象 (invalid input type)",
    }
