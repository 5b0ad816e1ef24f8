"""E-mail through SES and SMS through SNS: the portal's only way out to citizens' inboxes and
phones. Each call either sends (and answers the provider's message id) or raises
:class:`NotSent`, when the provider refused or could not be reached and nothing went out.
Neither the recipient nor the text is ever logged here."""

from __future__ import annotations

from services.core import aws
from services.core.settings import get_settings


class NotSent(Exception):
    """The provider did not take the message: it may be tried again."""


def send_email(recipient: str, subject: str, text: str) -> str:
    try:
        answer = aws.sesv2().send_email(
            FromEmailAddress=get_settings().notification_sender,
            Destination={"ToAddresses": [recipient]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        )
    except aws.sesv2().exceptions.ClientError as error:
        raise NotSent(error.response.get("Error", {}).get("Code", "error")) from None
    return str(answer["MessageId"])


def send_sms(number: str, text: str) -> str:
    try:
        answer = aws.sns().publish(
            PhoneNumber=number,
            Message=text,
            MessageAttributes={
                # Transactional: delivered first, and at any hour, as a deadline notice must be.
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            },
        )
    except aws.sns().exceptions.ClientError as error:
        raise NotSent(error.response.get("Error", {}).get("Code", "error")) from None
    return str(answer["MessageId"])
