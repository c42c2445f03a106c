"""Certificates: my own (register by PKCS#12 upload or from a USB token, expiry notice 30
days ahead); the BGH also sees every person's active certificate and which expire soon."""

from __future__ import annotations

from flask import render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.accounts.session import current_actor
from app.core.authz import BGH, allow, not_found, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.signing import forms, policy, queries, services
from app.signing.models import SigningCertificate
from app.signing.views.common import SIGNERS, check, redirect_with

routes = Routes()


@routes.route("/signing/certificates")
@allow(SIGNERS)
def certificates() -> str:
    user = current_actor()
    return render_template(
        "signing/certificates.html",
        mine=queries.certificates_of(user),
        active=queries.active_certificate(user),
        everyone=queries.active_certificates() if policy.is_bgh(user) else [],
        may_hold=policy.can_hold_certificate(user, queries.is_homeroom_teacher(user)),
        seal=services.seal_configured(),
        form=forms.CertificateForm(),
        token_form=forms.TokenForm(),
        token_ready=services.token.configured(),
        may_manage=policy.can_manage_key_storage(user),
        storage=queries.key_storage_facts(),
    )


@routes.route("/signing/certificates", methods=["POST"])
@allow(SIGNERS)
def register_certificate() -> Response:
    user = _holder()
    form = forms.CertificateForm(request.form)
    check(form)
    upload = request.files.get("p12")
    data = upload.read(services.certificates.MAX_READ) if upload else b""
    with unit_of_work():
        cert = services.register(user, data, form.password.data or "", store_key=bool(form.store_key.data))
    return _registered(f"Đã đăng ký chứng thư số của {cert.common_name}", cert)


@routes.route("/signing/certificates/token", methods=["POST"])
@allow(SIGNERS)
def register_token() -> Response:
    """ "Chứng thư trên USB token": read from the token plugged into the server, with the PIN."""
    user = _holder()
    form = forms.TokenForm(request.form)
    check(form)
    with unit_of_work():
        cert = services.register_token(user, form.token_label.data or "", form.pin.data or "", form.key_ref.data or "")
    lead = f"Đã đăng ký chứng thư số trên USB token “{cert.token_label}” của {cert.common_name}"
    return _registered(lead, cert, "Khi ký, hãy nhập mã PIN của token.")


def _holder() -> User:
    user = current_actor()
    require(policy.can_hold_certificate(user, queries.is_homeroom_teacher(user)), "signing.certificate")
    return user


def _registered(lead: str, cert: SigningCertificate, then: str = "") -> Response:
    message = f"{lead} (hết hạn {cert.not_after:%d/%m/%Y}). {then}".strip()
    return redirect_with(message, url_for("signing.certificates"))


@routes.route("/signing/key-storage", methods=["POST"])
@allow(BGH)
def key_storage() -> Response:
    """The school's opt-in (BGH): on, or off — which deletes every stored key."""
    user = current_actor()
    form = forms.KeyStorageForm(request.form)
    with unit_of_work():
        deleted = services.keystore.set_enabled(user, bool(form.enabled.data))
    message = (
        "Đã bật lưu khóa ký số trên máy chủ." if form.enabled.data else f"Đã tắt lưu khóa ký số; đã xóa {deleted} khóa."
    )
    return redirect_with(message, url_for("signing.certificates"))


@routes.route("/signing/certificates/forget-key", methods=["POST"])
@allow(SIGNERS)
def forget_key() -> Response:
    user = current_actor()
    cert = queries.active_certificate(user)
    if cert is None:
        not_found("signing_certificate", 0)
    with unit_of_work():
        services.keystore.forget(user, cert)
    return redirect_with("Đã xóa khóa đã lưu: từ nay bạn ký bằng mật khẩu.", url_for("signing.certificates"))
