"""Writers for the school structure, one module per concept:

- school_info: the school's record and its settings (get_setting / set_setting);
- years: school years, their two terms, the current year;
- departments: tổ chuyên môn with tổ trưởng and tổ phó;
- subjects: subjects and their periods per grade;
- classes: classes, their GVCN, roster exports (audited);
- assignments: teaching assignments (one teacher per class × subject);
- students: students; guardians: cha, mẹ, người giám hộ;
- enrollments: placing a student in a class, moving class from a date, leaving school;
- schooling: quá trình học tập at other schools (transferred students);
- principals: the hiệu trưởng of each year (one record per year and first day in office).

Invariants: a school year is "YYYY-(YYYY+1)" with terms I and II inside its dates; one
current year at a time; a class belongs to one year; a student's enrollments are all kept,
never overlap within a year, and at most one per year is open (the current roster);
mã định danh Bộ (moet_id) cannot change once set; số định danh cá nhân is
12 digits; one teacher per (class, subject). Every change writes one audit event, built
after the last field change (bulk imports write one summary event). Services flush, never
commit; they refuse with `SchoolError` (a DomainError: 422 with a Vietnamese sentence).

Callers use this package as one module: `from app.school import services;
services.create_year(...)`.
"""

from __future__ import annotations

from app.school.services.assignments import assign_teacher, remove_assignment, save_assignment
from app.school.services.classes import CLASS_NAME, create_class, record_roster_export, set_homeroom_teacher
from app.school.services.common import SchoolError
from app.school.services.departments import create_department, update_department
from app.school.services.enrollments import LEAVING, end_enrollment, enroll, move_student, open_enrollment
from app.school.services.guardians import (
    add_guardian,
    normalise_phone,
    remove_guardian,
    save_guardians,
    update_guardian,
)
from app.school.services.principals import remove_year_principal, set_year_principal
from app.school.services.school_info import get_setting, save_school, set_setting
from app.school.services.schooling import add_schooling, remove_schooling, update_schooling
from app.school.services.students import (
    FULL_NAME_MAX,
    NATIONAL_ID,
    STUDENT_FIELDS,
    create_student,
    save_student,
    update_student,
    validate_student_fields,
)
from app.school.services.subjects import create_subject, update_subject
from app.school.services.years import create_year, set_current_year, update_term

#: the Vietnamese label of every action these services write (registered with audit)
ACTION_LABELS = {
    "school.created": "Tạo thông tin trường",
    "school.updated": "Sửa thông tin trường",
    "setting.changed": "Đổi thiết lập của trường",
    "school_year.created": "Tạo năm học",
    "school_year.made_current": "Đặt năm học hiện tại",
    "term.updated": "Sửa học kỳ",
    "department.created": "Thêm tổ chuyên môn",
    "department.updated": "Sửa tổ chuyên môn",
    "subject.created": "Thêm môn học",
    "subject.updated": "Sửa môn học",
    "class.created": "Thêm lớp",
    "class.homeroom_changed": "Đổi giáo viên chủ nhiệm",
    "class.roster_exported": "Xuất danh sách lớp",
    "assignment.created": "Phân công giảng dạy",
    "assignment.changed": "Đổi giáo viên giảng dạy",
    "assignment.removed": "Bỏ phân công giảng dạy",
    "student.created": "Thêm học sinh",
    "student.updated": "Sửa hồ sơ học sinh",
    "student.enrolled": "Xếp lớp học sinh",
    "student.class_changed": "Chuyển lớp học sinh",
    "student.left_school": "Học sinh chuyển trường / thôi học",
    "prior_schooling.created": "Thêm quá trình học tập ở trường khác",
    "prior_schooling.updated": "Sửa quá trình học tập ở trường khác",
    "prior_schooling.removed": "Xoá quá trình học tập ở trường khác",
    "year_principal.set": "Ghi nhận hiệu trưởng của năm học",
    "year_principal.changed": "Sửa hiệu trưởng của năm học",
    "year_principal.removed": "Xoá hiệu trưởng của năm học",
    "guardian.created": "Thêm cha/mẹ/người giám hộ",
    "guardian.updated": "Sửa cha/mẹ/người giám hộ",
    "guardian.removed": "Xoá cha/mẹ/người giám hộ",
}

__all__ = [
    "ACTION_LABELS",
    "CLASS_NAME",
    "FULL_NAME_MAX",
    "LEAVING",
    "NATIONAL_ID",
    "STUDENT_FIELDS",
    "SchoolError",
    "add_guardian",
    "add_schooling",
    "assign_teacher",
    "create_class",
    "create_department",
    "create_student",
    "create_subject",
    "create_year",
    "end_enrollment",
    "enroll",
    "get_setting",
    "move_student",
    "normalise_phone",
    "open_enrollment",
    "record_roster_export",
    "remove_assignment",
    "remove_guardian",
    "remove_schooling",
    "remove_year_principal",
    "save_assignment",
    "save_guardians",
    "save_school",
    "save_student",
    "set_current_year",
    "set_homeroom_teacher",
    "set_setting",
    "set_year_principal",
    "update_department",
    "update_guardian",
    "update_schooling",
    "update_student",
    "update_subject",
    "update_term",
    "validate_student_fields",
]
