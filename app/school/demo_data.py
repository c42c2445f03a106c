"""Vocabulary for the demo school: names, places, occupations, the THCS curriculum.

Names follow common Vietnamese usage: họ weighted by frequency (Nguyễn about a third;
Huỳnh and Võ frequent in the South, where the demo school is), chữ đệm and tên
chosen by gender, children taking the father's họ.
"""

from __future__ import annotations

SURNAMES = (
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Huỳnh", 5), ("Hoàng", 2),
    ("Phan", 4), ("Võ", 5), ("Vũ", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Trương", 1), ("Đinh", 1), ("Lâm", 1), ("Mai", 1),
)
MALE_MIDDLE = ("Văn", "Văn", "Minh", "Quốc", "Gia", "Hoàng", "Đức", "Anh", "Thanh", "Công",
               "Hữu", "Tuấn", "Nhật", "Thành", "Bảo", "Trung", "Duy", "Phúc", "Tấn", "Quang")
FEMALE_MIDDLE = ("Thị", "Thị", "Ngọc", "Thu", "Thanh", "Bảo", "Khánh", "Phương", "Minh", "Mai",
                 "Hồng", "Kim", "Gia", "Thảo", "Diệu", "Ngọc Bảo", "Thị Thu", "Quỳnh", "Yến",
                 "Tường")
MALE_FIRST = ("An", "Bảo", "Bình", "Công", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hào",
              "Hiếu", "Hoàng", "Huy", "Hùng", "Khang", "Khánh", "Khoa", "Kiên", "Lâm", "Long",
              "Lộc", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Quân", "Quang",
              "Sang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Toàn", "Trí", "Trung", "Tuấn",
              "Việt", "Vinh", "Vũ", "Hà", "Anh", "Ân")
FEMALE_FIRST = ("An", "Anh", "Ánh", "Châu", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hân",
                "Hạnh", "Hằng", "Hiền", "Hoa", "Huyền", "Hương", "Lan", "Linh", "Ly", "Mai", "My",
                "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thư",
                "Trang", "Trâm", "Uyên", "Vân", "Vy", "Yến", "Hạ", "Ân", "Đan")
ETHNICITIES = (("Kinh", 96), ("Khmer", 2), ("Hoa", 2))
BIRTHPLACES = (("Đồng Tháp", 86), ("TP. Hồ Chí Minh", 5), ("Tiền Giang", 4), ("Long An", 3),
               ("Cần Thơ", 2))
COMMUNES = ("thị trấn Mỹ An", "xã Mỹ Hòa", "xã Mỹ Quý", "xã Mỹ Đông", "xã Tân Kiều",
            "xã Thạnh Lợi", "xã Trường Xuân", "xã Đốc Binh Kiều", "xã Hưng Thạnh", "xã Phú Điền")
HAMLETS = ("Ấp 1", "Ấp 2", "Ấp 3", "Ấp 4", "Ấp 5", "Ấp Mỹ Thuận", "Ấp Tân Dinh")  # in a xã
WARDS = ("Khóm 1", "Khóm 2", "Khóm 3", "Khóm 4")  # in the thị trấn
FATHER_JOBS = (("Nông dân", 30), ("Công nhân", 12), ("Buôn bán", 10), ("Làm thuê", 10),
               ("Tài xế", 5), ("Thợ hồ", 6), ("Kinh doanh", 5), ("Viên chức", 4),
               ("Giáo viên", 2), ("Công an", 2), ("Bộ đội", 1), ("Thợ điện", 3), ("Ngư dân", 2))
MOTHER_JOBS = (("Nội trợ", 20), ("Nông dân", 22), ("Buôn bán", 15), ("Công nhân", 14),
               ("Làm thuê", 8), ("Thợ may", 6), ("Kinh doanh", 5), ("Viên chức", 4),
               ("Giáo viên", 3), ("Y tá", 2), ("Kế toán", 1))
PHONE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "032",
                  "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078",
                  "079", "081", "082", "083", "084", "085", "056", "058")

#: (code, name, kind, department key, {grade: periods per year}) — CT GDPT 2018, THCS
SUBJECTS = (
    ("VAN", "Ngữ văn", "score", "van", {g: 140 for g in (6, 7, 8, 9)}),
    ("TOAN", "Toán", "score", "toan", {g: 140 for g in (6, 7, 8, 9)}),
    ("TA", "Ngoại ngữ 1 (Tiếng Anh)", "score", "nn", {g: 105 for g in (6, 7, 8, 9)}),
    ("GDCD", "Giáo dục công dân", "score", "xh", {g: 35 for g in (6, 7, 8, 9)}),
    ("LSDL", "Lịch sử và Địa lí", "score", "xh", {g: 105 for g in (6, 7, 8, 9)}),
    ("KHTN", "Khoa học tự nhiên", "score", "khtn", {g: 140 for g in (6, 7, 8, 9)}),
    ("CN", "Công nghệ", "score", "khtn", {6: 35, 7: 35, 8: 35, 9: 52}),
    ("TIN", "Tin học", "score", "toan", {g: 35 for g in (6, 7, 8, 9)}),
    ("GDTC", "Giáo dục thể chất", "comment", "gdtc", {g: 70 for g in (6, 7, 8, 9)}),
    ("AN", "Nghệ thuật (Âm nhạc)", "comment", "gdtc", {g: 35 for g in (6, 7, 8, 9)}),
    ("MT", "Nghệ thuật (Mĩ thuật)", "comment", "gdtc", {g: 35 for g in (6, 7, 8, 9)}),
    ("HDTN", "Hoạt động trải nghiệm, hướng nghiệp", "comment", "xh",
     {g: 105 for g in (6, 7, 8, 9)}),
    ("GDDP", "Nội dung giáo dục của địa phương", "comment", "xh", {g: 35 for g in (6, 7, 8, 9)}),
)
DEPARTMENTS = (
    ("toan", "Toán – Tin"), ("van", "Ngữ văn"), ("nn", "Ngoại ngữ"),
    ("khtn", "Khoa học tự nhiên – Công nghệ"), ("xh", "Xã hội (Sử – Địa – GDCD)"),
    ("gdtc", "GDTC – Nghệ thuật"),
)
#: teachers per department and what they teach (subject codes); the first is the tổ trưởng
TEACHING_STAFF = {
    "toan": ["TOAN"] * 6 + ["TIN"] * 2 + ["TOAN"],
    "van": ["VAN"] * 7,
    "nn": ["TA"] * 4,
    "khtn": ["KHTN"] * 5 + ["CN"],
    "xh": ["LSDL"] * 3 + ["GDCD", "GDDP"],
    "gdtc": ["GDTC", "GDTC", "AN", "MT"],
}
CLASS_NAMES = ("6A1", "6A2", "6A3", "7A1", "7A2", "7A3", "8A1", "8A2", "8A3", "9A1", "9A2", "9A3")
