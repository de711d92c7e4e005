"""The Chinese wording of every kind: the subject carries the essentials (lot, price, deadline),
so a reader of the inbox list or a phone's mail preview needs nothing more."""
from __future__ import annotations

from market.domain.notifications import local_time, yuan

SIGNATURE = "\n\n—— 长三角技术交易市场（此邮件由系统发送，请勿直接回复）"


def lot_line(lot: dict) -> str:
    return f"拍品「{lot['title']}」（{lot.get('auction_title', '')} 第{lot.get('lot_no', '')}号）"


def review(title: str, approved: bool, reason: str | None) -> tuple[str, str]:
    if approved:
        return (f"【审核通过】成果「{title}」已发布",
                f"您提交的科技成果「{title}」已通过审核，现已在平台发布。")
    return (f"【审核未通过】成果「{title}」：{reason or '未说明原因'}",
            f"您提交的科技成果「{title}」未通过审核。\n原因：{reason or '未说明原因'}\n修改后可重新提交。")


def registration(lot: dict, paddle_no, deposit_fen) -> tuple[str, str]:
    return (f"【报名成功】{lot['title']} 竞买号{paddle_no} 保证金{yuan(deposit_fen)}",
            f"您已报名竞买{lot_line(lot)}，竞买号 {paddle_no}。\n保证金：{yuan(deposit_fen)}（到账后方可出价）。\n"
            f"开拍时间：{local_time(lot['starts_at'])}")


DEPOSIT_WORDS = {"deposit_held": ("保证金已到账", "已到账，您可以出价"),
                 "deposit_released": ("保证金已退还", "已解冻退还"),
                 "deposit_forfeited": ("保证金已没收", "因未在期限内签约已被没收")}


def deposit(kind: str, lot: dict, amount_fen, release_by=None) -> tuple[str, str]:
    head, verb = DEPOSIT_WORDS[kind]
    due = f"，预计 {release_by} 前到账" if release_by else ""
    return (f"【{head}】{lot['title']} 保证金{yuan(amount_fen)}",
            f"您在{lot_line(lot)}的保证金 {yuan(amount_fen)} {verb}{due}。")


def opening_soon(lot: dict) -> tuple[str, str]:
    return (f"【即将开拍】{lot['title']} 起拍价{yuan(lot['starting_price_fen'])} {local_time(lot['starts_at'])}开拍",
            f"您关注的{lot_line(lot)}将于 {local_time(lot['starts_at'])} 开拍，起拍价 {yuan(lot['starting_price_fen'])}。")


def timed_window(lot: dict, price_fen, ends_at) -> tuple[str, str]:
    return (f"【限时竞价】{lot['title']} 当前价{yuan(price_fen)} {local_time(ends_at)}结束",
            f"您关注的{lot_line(lot)}已进入限时竞价，当前价 {yuan(price_fen)}，"
            f"预计 {local_time(ends_at)} 结束（有出价将延时）。")


def outbid(lot: dict, price_fen, ends_at) -> tuple[str, str]:
    return (f"【出价被超越】{lot['title']} 当前价{yuan(price_fen)} {local_time(ends_at)}结束",
            f"您在{lot_line(lot)}的出价已被超越，当前价 {yuan(price_fen)}，预计 {local_time(ends_at)} 结束。")


def won(lot: dict, price_fen, sign_by) -> tuple[str, str]:
    return (f"【竞得】{lot['title']} 成交价{yuan(price_fen)} 请于{sign_by}前签约",
            f"恭喜！您竞得{lot_line(lot)}，成交价 {yuan(price_fen)}。\n请于 {sign_by} 前签署成交确认书，"
            "逾期保证金将被没收。")


def lost(lot: dict, status: str, price_fen) -> tuple[str, str]:
    result = f"成交价{yuan(price_fen)}" if status == "sold" else "流拍"
    return (f"【未竞得】{lot['title']} {result}",
            f"{lot_line(lot)}已结束（{result}），您未竞得。保证金将按规则退还。")


def closed(lot: dict, status: str, price_fen) -> tuple[str, str]:
    result = f"成交价{yuan(price_fen)}" if status == "sold" else "流拍"
    return (f"【拍卖结束】{lot['title']} {result}", f"您关注的{lot_line(lot)}已结束：{result}。")


def signing_deadline(lot: dict, price_fen, sign_by) -> tuple[str, str]:
    return (f"【签约提醒】{lot['title']} 成交价{yuan(price_fen)} 签约期限{sign_by}",
            f"您竞得的{lot_line(lot)}（成交价 {yuan(price_fen)}）须于 {sign_by} 前签约，"
            "逾期保证金将被没收。")


def forfeited(lot: dict, price_fen, sign_by) -> tuple[str, str]:
    return (f"【违约】{lot['title']} 未于{sign_by}前签约 成交价{yuan(price_fen)}",
            f"{lot_line(lot)}（成交价 {yuan(price_fen)}）的买受人未在 {sign_by} 前签约，"
            "成交确认已失效，买受人保证金被没收，成果将重新挂牌。")


def contract_registered(title: str, number: str, amount_fen) -> tuple[str, str]:
    return (f"【合同登记】「{title}」登记编号{number} 金额{yuan(amount_fen)}",
            f"技术合同「{title}」已完成认定登记，登记编号 {number}，合同金额 {yuan(amount_fen)}。")


def new_match(title: str, source: str, why: list[str]) -> tuple[str, str]:
    reasons = "、".join(why[:8]) or "内容相关"
    return (f"【新匹配】成果「{title}」匹配{source}",
            f"新发布的科技成果「{title}」与{source}相关。\n匹配原因（命中的关键词）：{reasons}")
