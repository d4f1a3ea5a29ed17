"""Every label a deliverable shows, in one place: Chinese for the hospital, English as a switch.

``label(lang, key)`` looks a key up; a missing English label falls back to the Chinese one, a
missing key is a programming error (KeyError), caught by the tests.
"""

from __future__ import annotations

LANGS = ("zh", "en")

ZH: dict[str, str] = {
    # sheets
    "sheet.cover": "封面", "sheet.summary": "巡检汇总", "sheet.items": "巡检明细", "sheet.risks": "风险与整改",
    "sheet.faults": "故障统计", "sheet.sla": "SLA明细", "sheet.changes": "修改调整进度", "sheet.work": "系统集成工作",
    "sheet.training": "培训记录", "sheet.acc_summary": "汇总", "sheet.defect": "系统错误修复",
    "sheet.data": "系统数据修复", "sheet.fault": "故障处理", "sheet.integration": "系统集成记录",
    "sheet.acc_changes": "修改调整", "sheet.coverage": "巡检覆盖", "sheet.staff": "人员清单",
    "sheet.unconfirmed": "未确认记录", "sheet.integrity": "完整性",
    # titles
    "title.monthly": "运维月度巡检报告", "title.acceptance": "运维服务验收资料",
    # cover fields
    "cover.contract": "项目名称", "cover.hospital": "院方", "cover.vendor": "服务商", "cover.month": "报告月份",
    "cover.period": "服务期", "cover.prepared_by": "编制人", "cover.prepared_at": "编制时间",
    "cover.vendor_sign": "服务商签字（盖章）", "cover.hospital_sign": "院方信息部门确认（签字）", "cover.date": "日期",
    "cover.calendar_note": "以下年份的法定节假日安排尚未由国务院公布，按常规规则计算：",
    # common columns
    "col.system": "系统", "col.system_name": "系统名称", "col.id": "编号", "col.kind": "类别", "col.at": "时间",
    "col.date": "日期", "col.note": "备注", "col.key": "记录键", "col.digest": "校验",
    "col.confirmer": "院方确认人（填写）", "col.confirm_comment": "确认意见（填写）", "col.confirmed_at": "确认时间",
    "col.count": "数量",
    # inspections
    "col.inspector": "巡检人", "col.ok": "正常", "col.warn": "警告", "col.fail": "异常", "col.db_conclusion": "数据库环境结论",
    "col.section": "分类", "col.item": "巡检项", "col.standard": "检查标准", "col.result": "检查结果", "col.verdict": "结论",
    "col.risk": "风险", "col.level": "等级", "col.remedy": "解决方案", "col.owner": "负责人", "col.due": "期限",
    "col.done": "是否实施", "col.done_at": "实施时间", "col.found": "发现月份", "col.month": "月份",
    # faults and SLA
    "col.symptom": "故障现象", "col.reported": "报修时间", "col.inside": "工作期间", "col.responded": "响应时间",
    "col.arrived": "到场时间", "col.resolved": "修复时间", "col.response_state": "响应", "col.arrival_state": "到场",
    "col.resolution_state": "修复", "col.cause": "原因分析", "col.action": "处理过程", "col.outcome": "处理结果",
    "col.reporter": "报修人", "col.late": "补录", "col.clock": "时限", "col.tickets": "工单数", "col.met": "达标",
    "col.breached": "超时", "col.running": "进行中", "col.time_unknown": "时间未知", "col.compliance": "达标率", "col.median": "中位用时（分钟）",
    "col.worst": "最长用时（分钟）", "col.late_by": "超时（分钟）", "col.ref": "平台编号",
    # changes
    "col.title": "需求名称", "col.type": "类型", "col.schema": "涉及数据库结构", "col.submitted": "提交时间",
    "col.change_due": "交付期限", "col.review": "院方评审", "col.implemented": "落实交付", "col.acceptance": "验收",
    "col.accepted_at": "验收时间", "col.warranty": "免费维护至", "col.state": "状态",
    # work, training, staff
    "col.work_type": "工作类型", "col.what": "工作内容", "col.minutes": "用时（分钟）", "col.by": "执行人",
    "col.topic": "培训内容", "col.trainer": "培训人", "col.attendees": "参加人数", "col.hours": "学时",
    "col.name": "姓名", "col.role": "角色", "col.phone": "电话", "col.email": "邮箱", "col.onsite": "驻场",
    "col.from": "起", "col.to": "止",
    # summary and integrity
    "col.item_name": "项目", "col.value": "内容", "col.milestone": "付款节点", "col.share": "比例",
    "col.evidence": "证明材料", "col.table": "记录类型", "col.records": "记录数",
    # values
    "v.ok": "正常", "v.warn": "警告", "v.fail": "异常", "v.yes": "是", "v.no": "否", "v.met": "达标",
    "v.breached": "超时", "v.overdue": "已超时（未完成）", "v.running": "进行中", "v.not_applicable": "无需到场", "v.time_unknown": "时间未知",
    "v.fault": "故障", "v.defect": "系统错误", "v.data": "数据错误", "v.response": "响应", "v.arrival": "到场",
    "v.resolution": "修复", "v.perfective": "完善性", "v.adaptive": "适应性", "v.interface": "接口",
    "v.approved": "通过", "v.rejected": "未通过", "v.pending": "待评审", "v.not needed": "无需评审",
    "v.none": "未申请", "v.applied": "已申请", "v.accepted": "验收合格", "v.high": "高", "v.medium": "中", "v.low": "低",
    "v.gap": "未巡检", "v.ready": "已具备", "v.app": "应用", "v.db": "数据库环境", "v.open": "未完成",
    "v.delivered": "已交付", "v.delivered late": "逾期交付", "v.late": "逾期", "v.os": "操作系统维护",
    "v.database": "数据库维护", "v.security": "系统安全", "v.backup": "数据备份", "v.restore-drill": "恢复演练",
    "v.total": "合计", "v.head_hash": "历史记录链头哈希", "v.events": "历史事件数", "v.generated": "生成时间",
    "v.verify_hint": "可用 opsdesk verify 核对链头哈希",
    "v.change": "修改调整", "v.inspection": "巡检", "v.training": "培训", "v.work": "系统集成",
    "v.entity.contract": "合同", "v.entity.system": "信息系统", "v.entity.ticket": "维护记录（报障）",
    "v.entity.note": "处理备注", "v.entity.correction": "更正记录", "v.entity.calendar_override": "工作日历调整",
    "v.entity.calendar_year": "工作日历确认", "v.entity.change_request": "修改调整", "v.entity.inspection_template": "巡检模板",
    "v.entity.inspection": "巡检", "v.entity.inspection_item": "巡检项目", "v.entity.risk": "风险与整改",
    "v.entity.staff": "维护人员", "v.entity.training": "培训", "v.entity.work_log": "系统集成工作",
    "v.entity.terms_change": "服务条款变更", "v.entity.platform_map": "平台映射",
}  # fmt: skip

EN: dict[str, str] = {
    "sheet.cover": "Cover", "sheet.summary": "Inspection summary", "sheet.items": "Inspection items",
    "sheet.risks": "Risks", "sheet.faults": "Fault statistics", "sheet.sla": "SLA detail",
    "sheet.changes": "Change requests", "sheet.work": "Integration work", "sheet.training": "Training",
    "sheet.acc_summary": "Summary", "sheet.defect": "Defect fixes", "sheet.data": "Data repairs",
    "sheet.fault": "Fault handling", "sheet.integration": "Integration records", "sheet.acc_changes": "Changes",
    "sheet.coverage": "Inspection coverage", "sheet.staff": "Staff", "sheet.unconfirmed": "Unconfirmed",
    "sheet.integrity": "Integrity", "title.monthly": "Monthly maintenance and inspection report",
    "title.acceptance": "Maintenance acceptance evidence", "col.confirmer": "Confirmed by (fill in)",
    "col.confirm_comment": "Comment (fill in)",
}  # fmt: skip


def label(lang: str, key: str) -> str:
    """The label for ``key`` in ``lang`` (English falls back to Chinese where not translated)."""
    if lang == "en" and key in EN:
        return EN[key]
    return ZH[key]


def value(lang: str, code: object) -> str:
    """A coded value (ok, breached, perfective...) as shown in a deliverable."""
    key = f"v.{code}"
    if lang == "en":
        return str(code)
    return ZH.get(key, str(code))
