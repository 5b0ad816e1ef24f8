"""Requests and answers of the payments API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from services.core.identifiers import AgencyId, DossierCode, ProcedureCode
from services.core.models import Model, Strict
from services.payments.domain import ORDER_ID_ALPHABET, ORDER_ID_LENGTH, Provider, Status

ORDER_ID_PATTERN = f"^[{ORDER_ID_ALPHABET}]{{{ORDER_ID_LENGTH}}}$"


class OrderBody(Strict):
    procedure_code: ProcedureCode
    dossier_code: DossierCode
    provider: Provider = "vnpay"
    agency_id: AgencyId | None = Field(
        default=None,
        description="The implementing agency handling the dossier, when the procedure has "
        "several (receipts are numbered per agency); the first one by default",
    )


class OrderView(Model):
    order_id: str
    procedure_code: str
    dossier_code: str
    provider: Provider
    amount_vnd: int
    status: Status
    pay_url: str | None = Field(description="Where to send the citizen while the order is pending")
    expires_at: datetime
    paid_at: datetime | None = None
    bank_transaction_no: str | None = None
    receipt_no: str | None = None
    refunded_at: datetime | None = None


class VnpayParams(Model):
    """What VNPAY sends on the IPN and the return URL, documented; every field optional and
    unconstrained here, because the answer to anything must still be HTTP 200 with a
    RspCode: the checks are the handler's, in VNPAY's order."""

    model_config = ConfigDict(extra="allow")

    vnp_TmnCode: str | None = None
    vnp_Amount: str | None = None
    vnp_BankCode: str | None = None
    vnp_BankTranNo: str | None = None
    vnp_CardType: str | None = None
    vnp_PayDate: str | None = None
    vnp_OrderInfo: str | None = None
    vnp_TransactionNo: str | None = None
    vnp_ResponseCode: str | None = None
    vnp_TransactionStatus: str | None = None
    vnp_TxnRef: str | None = None
    vnp_SecureHash: str | None = None


class VnpayAnswer(Model):
    """What VNPAY expects back from an IPN, always with HTTP 200."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    rsp_code: str = Field(alias="RspCode")
    message: str = Field(alias="Message")


class MomoIpn(Model):
    """MoMo's v2 IPN. Fields are checked by the signature, not here: every notice is kept.
    Numbers may come as text: the decision reads ASCII digits only, whatever their type."""

    model_config = ConfigDict(extra="allow")

    partnerCode: str = ""
    orderId: str = ""
    requestId: str = ""
    amount: int | str | None = None
    orderInfo: str = ""
    orderType: str = ""
    transId: int | str | None = None
    resultCode: int | str | None = None
    message: str = ""
    payType: str = ""
    responseTime: int | str | None = None
    extraData: str = ""
    signature: str = ""


class ReturnView(Model):
    """The return URL's answer to a caller that does not ask for a page."""

    order_id: str | None
    signature_valid: bool
    status: Status | None


class FeeLineView(Model):
    name: str
    amount_vnd: int


class ReceiptView(Model):
    """An e-receipt (biên lai điện tử): what Decree 11/2020/NĐ-CP and Circular
    78/2021/TT-BTC require it to carry, and the order it settles."""

    receipt_no: str = Field(description="The portal's number: agency, year, sequence")
    form: str = Field(description="Ký hiệu mẫu biên lai", examples=["01BLP0-001"])
    serial: str = Field(description="Ký hiệu biên lai", examples=["DV-26E"])
    number: str = Field(description="Số biên lai, per agency and year", examples=["0000001"])
    order_id: str
    agency_id: str
    agency_name: str = Field(description="The collecting agency")
    procedure_code: str
    procedure_name: str
    dossier_code: str
    fees: list[FeeLineView]
    total_vnd: int
    total_in_words: str = Field(examples=["Một trăm năm mươi nghìn đồng"])
    payer_reference: str = Field(
        description="The payer's pseudonymous reference, never their identifier"
    )
    paid_at: datetime = Field(description="The time of payment, in Vietnam time (GMT+7)")
    issued_at: datetime
    provider: Provider
    bank_transaction_no: str | None
    refunded_at: datetime | None = None


class RefundBody(Strict):
    reason: str = Field(min_length=5, max_length=500)


class ReconciliationBody(Strict):
    provider: Provider = "vnpay"
    day: date | None = Field(
        default=None,
        description="The day (GMT+7) the statement covers; needed when it lists no payment",
    )
    statement: str = Field(
        min_length=1,
        max_length=5_000_000,  # within Lambda's 6 MB request; the CLI has no such limit
        description="The provider's daily statement, CSV: order_id,bank_transaction_no,"
        "amount_vnd,paid_at",
    )


class LineProblem(Model):
    line: int
    message: str


class ReconciliationReport(Model):
    clean: bool
    counts: dict[str, int]
    matched: list[dict[str, Any]]
    transaction_no_mismatches: list[dict[str, Any]]
    missing_at_bank: list[dict[str, Any]]
    missing_here: list[dict[str, Any]]
    amount_mismatches: list[dict[str, Any]]
    pending_but_paid_at_bank: list[dict[str, Any]]
    flagged_order_ids: list[str]
    line_errors: list[LineProblem]
