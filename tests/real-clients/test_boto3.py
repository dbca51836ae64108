"""boto3 against the built server: the SDK parses our answers as AWS's."""

import datetime

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import EXPIRED, FRANK, SESSION, USER, Cred


def client(server, cred: Cred):
    return boto3.client(
        "codeartifact",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=cred.access_key_id,
        aws_secret_access_key=cred.secret_access_key,
        aws_session_token=cred.session_token,
        config=Config(retries={"total_max_attempts": 1}),
    )


def error_of(call) -> tuple:
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def test_success(server):
    before = datetime.datetime.now(datetime.timezone.utc)
    response = client(server, USER).get_authorization_token(domain="demo", domainOwner="111122223333")
    assert response["authorizationToken"].startswith("v4.local.")
    # botocore parsed the epoch number into a datetime.
    expiration = response["expiration"]
    assert isinstance(expiration, datetime.datetime)
    assert abs((expiration - before).total_seconds() - 43200) < 5
    request_id = response["ResponseMetadata"]["RequestId"]
    assert len(request_id) == 36
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == request_id


def test_duration(server):
    before = datetime.datetime.now(datetime.timezone.utc)
    response = client(server, USER).get_authorization_token(domain="demo", durationSeconds=900)
    assert abs((response["expiration"] - before).total_seconds() - 900) < 5


def test_duration_zero_with_a_session_gives_the_session_expiry(server, session_expiry):
    response = client(server, SESSION).get_authorization_token(domain="demo", durationSeconds=0)
    assert response["expiration"] == session_expiry


def test_validation_exception(server):
    c = client(server, USER)
    status, code, message = error_of(lambda: c.get_authorization_token(domain="demo", durationSeconds=100))
    assert (status, code) == (400, "ValidationException")
    assert message == (
        "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy "
        "constraint: Member must be 0 or between 900 and 43200"
    )
    # The modelled exception class is what botocore raises.
    with pytest.raises(c.exceptions.ValidationException):
        c.get_authorization_token(domain="My_Domain!!")


def test_resource_not_found(server):
    c = client(server, USER)
    status, code, message = error_of(lambda: c.get_authorization_token(domain="nope"))
    assert (status, code) == (404, "ResourceNotFoundException")
    assert message == "Domain 'nope' owned by account 111122223333 does not exist."
    # Another account's missing domain: access is decided first, and no
    # domain policy allows it.
    with pytest.raises(c.exceptions.AccessDeniedException):
        c.get_authorization_token(domain="demo", domainOwner="444455556666")


def test_wrong_secret(server):
    wrong = Cred(USER.access_key_id, "not-the-secret")
    status, code, message = error_of(lambda: client(server, wrong).get_authorization_token(domain="demo"))
    assert (status, code) == (403, "InvalidSignatureException")
    assert message.startswith("The request signature we calculated does not match")


def test_unknown_key(server):
    unknown = Cred("AKIAUNKNOWNKEY000000", "secret")
    status, code, message = error_of(lambda: client(server, unknown).get_authorization_token(domain="demo"))
    assert (status, code) == (403, "UnrecognizedClientException")
    assert message == "The security token included in the request is invalid."


def test_expired_session(server):
    status, code, message = error_of(lambda: client(server, EXPIRED).get_authorization_token(domain="demo"))
    assert (status, code) == (403, "ExpiredTokenException")
    assert message == "The security token included in the request is expired"


def test_no_secret_or_token_reaches_the_log(server):
    c = client(server, SESSION)
    issued = c.get_authorization_token(domain="demo")["authorizationToken"]
    error_of(lambda: client(server, Cred(USER.access_key_id, "not-the-secret")).get_authorization_token(domain="demo"))
    log = server.log()
    assert "issued authorization token" in log, "the log is at trace level and was written"
    for secret in [USER.secret_access_key, SESSION.secret_access_key, SESSION.session_token, issued, "Signature="]:
        assert secret not in log, f"{secret[:12]}... appears in the log"


def test_access_denied(server):
    c = client(server, FRANK)
    status, code, message = error_of(lambda: c.get_authorization_token(domain="demo"))
    assert (status, code) == (403, "AccessDeniedException")
    assert message == (
        "User: arn:aws:iam::111122223333:user/frank is not authorized to perform: "
        "sts:GetServiceBearerToken on resource: arn:aws:iam::111122223333:user/frank "
        "because no identity-based policy allows the sts:GetServiceBearerToken action"
    )
    with pytest.raises(c.exceptions.AccessDeniedException):
        c.get_authorization_token(domain="demo")


def test_cross_account_with_the_domain_policy(server):
    response = client(server, SESSION).get_authorization_token(domain="shared", domainOwner="444455556666")
    assert response["authorizationToken"].startswith("v4.local.")


def test_the_deciding_statement_is_logged(server):
    client(server, SESSION).get_authorization_token(domain="demo")
    log = server.log()
    assert "policy 'ci-tokens' statement 'TokensForAnyDomain'" in log
    assert "policy 'ci-tokens' statement 'BearerTokensForCodeArtifact'" in log
