"""A publication touches the catalogue's generation item, which every publication shares,
so in DynamoDB two of them collide now and then. A collision passes in milliseconds: the
catalogue retries it by the same rule as every service, and only a lasting one is a 409."""

from __future__ import annotations

from typing import Any

from services.core import aws
from tests.catalogue.conftest import Catalogue
from tests.conftest import body_of
from tests.support.faults import transaction_collisions


def test_a_publication_that_meets_passing_collisions_goes_through(catalogue: Catalogue) -> None:
    catalogue.put("1.110001")
    with transaction_collisions(aws.dynamodb_client(), times=5) as collisions:
        response = catalogue.publish("1.110001")
    assert collisions.injected == 5
    assert response.status_code == 200, response.body
    assert body_of(response)["version"] == 2


def test_collisions_that_outlast_the_retries_are_a_conflict_to_retry(
    catalogue: Catalogue, auth: Any
) -> None:
    catalogue.put("1.110002")
    with transaction_collisions(aws.dynamodb_client(), times=6):
        response = catalogue.publish("1.110002")
    assert response.status_code == 409
    assert body_of(response)["detail"] == "Thủ tục vừa được thay đổi bởi người khác; hãy thử lại."
    assert catalogue.get("/procedures/1.110002").status_code == 404  # nothing was published
    draft = body_of(catalogue.get("/procedures/1.110002", auth("operator")))
    assert (draft["status"], draft["version"]) == ("draft", 1)
    assert catalogue.publish("1.110002").status_code == 200
