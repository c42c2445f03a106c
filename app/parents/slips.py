"""What the GVCN sends each family: a ready-to-send Zalo/SMS text with the link (never a
score in it) and a QR code of the link for a printed slip — a compact inline SVG (one
path) drawn from reportlab's QR encoder, no image file, no third-party resource."""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder


def message(student_name: str, class_name: str, url: str) -> str:
    return (
        f"Kính gửi phụ huynh em {student_name} (lớp {class_name}): nhà trường gửi gia đình đường dẫn riêng "
        f"để xem báo liên lạc của con: {url} . Đường dẫn chỉ dành cho gia đình, xin đừng chia sẻ cho người khác "
        "hoặc vào nhóm chat."
    )


def qr_svg(data: str, size: int = 132) -> str:
    """An SVG QR code of `data` (error correction M, quiet zone of 4 modules)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.make()
    count = code.getModuleCount()
    side = count + 8
    path = "".join(f"M{c + 4} {r + 4}h1v1h-1z" for r in range(count) for c in range(count) if code.isDark(r, c))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{size}" height="{size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="Mã QR của đường dẫn">'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )
