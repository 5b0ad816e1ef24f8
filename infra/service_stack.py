"""A service's deployable CloudFormation template, made from what ``chalice package`` writes.

Chalice describes the app (functions, their handlers and event sources, the REST API's
routes) as a SAM template. This module turns it into the template operators deploy:

- SAM is expanded to plain CloudFormation with the AWS SAM translator, so the template is
  exactly what will exist, reviewable and deployable with no transform;
- every function gets its own role from :mod:`infra.access`, its own log group with the
  stage's retention, a name operators can find (``portal-<stage>-...``), tracing, the
  stage's memory, and an environment wired to the shared stack's exports;
- queue event sources read the shared stack's queues and report partial batch failures, so
  one bad message is retried alone;
- the REST API's routes become API Gateway resources and methods of their own rather than an
  inline OpenAPI body: every route is a line in the template, and the template deploys into
  moto's CloudFormation, which ignores inline bodies, so the deploy itself is tested;
- alarms and a dashboard from :mod:`infra.monitoring`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from infra import access, monitoring
from infra.stages import Stage

API_HANDLER = "APIHandler"
# About API Gateway's 29 s integration limit, and a sixth of the queues' 180 s visibility
# timeout, as SQS event sources want.
FUNCTION_TIMEOUT_SECONDS = 30


class TemplateError(ValueError):
    """The app and its declared access disagree; packaging stops rather than guess."""


def function_name(stage_name: str, service: str, logical_id: str) -> str:
    if logical_id == API_HANDLER:
        return f"portal-{stage_name}-{service}-api"
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()
    return f"portal-{stage_name}-{kebab}"


def _sam_functions(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in sam["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _queue_of(event: dict[str, Any], stage_name: str) -> str:
    """The short queue name an SQS event source of Chalice's points at."""
    arn = event["Properties"]["Queue"]
    text = arn["Fn::Sub"] if isinstance(arn, dict) else arn
    name = str(text).rsplit(":", 1)[-1]
    prefix = f"portal-{stage_name}-"
    if not name.startswith(prefix) or name[len(prefix) :] not in access.QUEUE_EXPORTS:
        raise TemplateError(f"an event source reads {name!r}, not a queue of the shared stack")
    return name[len(prefix) :]


def _environment(service: str, stage_name: str, stage: Stage, chalice_env: dict[str, Any]) -> Any:
    grant = access.ACCESS[service]
    variables: dict[str, Any] = {
        **chalice_env,
        "PORTAL_STAGE": stage_name,
        "PORTAL_JWT_ISSUER": stage.jwt_issuer,
        "PORTAL_JWT_AUDIENCE": stage.jwt_audience,
        "PORTAL_JWKS_URL": stage.jwks_url,
        "PORTAL_CORS_ORIGINS": ",".join(stage.cors_origins),
        "POWERTOOLS_SERVICE_NAME": service,
    }
    for variable, export in grant.environment.items():
        variables[variable] = access.imported(stage_name, export)
    for variable, setting in grant.stage_environment.items():
        variables[variable] = getattr(stage, setting)
    return {"Variables": dict(sorted(variables.items()))}


def _prepare_sam(
    sam: dict[str, Any], service: str, stage_name: str, stage: Stage
) -> dict[str, Any]:
    """Chalice's SAM with the portal's roles, names, sizes, wiring and log groups."""
    grant = access.ACCESS[service]
    sam = copy.deepcopy(sam)
    resources: dict[str, Any] = sam["Resources"]
    sam["Parameters"] = {
        "ArtifactBucket": {"Type": "String", "Description": "Bucket holding the bundle."},
        "ArtifactKey": {"Type": "String", "Description": "The bundle's key (content hash)."},
    }
    consumed: dict[str, str] = {}
    for logical_id, function in _sam_functions(sam).items():
        name = function_name(stage_name, service, logical_id)
        properties = function["Properties"]
        properties.update(
            FunctionName=name,
            CodeUri={"Bucket": {"Ref": "ArtifactBucket"}, "Key": {"Ref": "ArtifactKey"}},
            Role={"Fn::GetAtt": [f"{logical_id}Role", "Arn"]},
            MemorySize=stage.memory_mb,
            Timeout=FUNCTION_TIMEOUT_SECONDS,
            Tracing="Active",
            Environment=_environment(
                service, stage_name, stage, properties.get("Environment", {}).get("Variables", {})
            ),
        )
        function["DependsOn"] = [f"{logical_id}LogGroup"]
        kebab = name.removeprefix(f"portal-{stage_name}-")
        for event in properties.get("Events", {}).values():
            if event["Type"] == "Schedule":
                # Named, so the runbook can tell an operator which rule to disable.
                event["Properties"]["Name"] = f"{name}-schedule"
            if event["Type"] != "SQS":
                continue
            queue = _queue_of(event, stage_name)
            if grant.consumes.get(queue) != kebab:
                raise TemplateError(f"{kebab} reads {queue}, which access.py does not give it")
            consumed[queue] = kebab
            event["Properties"]["Queue"] = access.imported(
                stage_name, f"{access.QUEUE_EXPORTS[queue]}QueueArn"
            )
            event["Properties"]["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
        log_group = f"{logical_id}LogGroup"
        resources[log_group] = {
            "Type": "AWS::Logs::LogGroup",
            # Logs outlive the stack, except a failed first creation's: kept, their fixed name
            # would stop the next try.
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{name}",
                "RetentionInDays": stage.log_retention_days,
            },
        }
        resources[f"{logical_id}Role"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": f"What {name} may do, and nothing else.",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "least-privilege",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": access.policy_statements(
                                grant,
                                stage_name,
                                kebab,
                                {"Fn::GetAtt": [log_group, "Arn"]},
                            ),
                        },
                    }
                ],
            },
        }
    if consumed != grant.consumes:
        missing = sorted(set(grant.consumes) - set(consumed))
        raise TemplateError(f"access.py says {service} consumes {missing}; the app does not")
    api = resources.get("RestAPI")
    if api is not None:
        api["Properties"]["Name"] = f"portal-{stage_name}-{service}"
    return sam


def _path_id(path: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", " ", path).title().replace(" ", "")
    return f"Route{words}{hashlib.sha256(path.encode()).hexdigest()[:6]}"


def _explicit_routes(template: dict[str, Any]) -> None:
    """Replace the REST API's inline OpenAPI body by one resource and method per route."""
    resources: dict[str, Any] = template["Resources"]
    api = resources["RestAPI"]["Properties"]
    body = api.pop("Body")
    api["BinaryMediaTypes"] = body.get("x-amazon-apigateway-binary-media-types", [])
    methods: list[str] = []
    parents: dict[str, Any] = {"": {"Fn::GetAtt": ["RestAPI", "RootResourceId"]}}
    for path in sorted(body["paths"]):
        parent_path = ""
        for part in [p for p in path.split("/") if p]:
            current = f"{parent_path}/{part}"
            if current not in parents:
                logical_id = _path_id(current)
                resources[logical_id] = {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {
                        "RestApiId": {"Ref": "RestAPI"},
                        "ParentId": parents[parent_path],
                        "PathPart": part,
                    },
                }
                parents[current] = {"Ref": logical_id}
            parent_path = current
        for verb, operation in sorted(body["paths"][path].items()):
            integration = operation["x-amazon-apigateway-integration"]
            logical_id = f"{_path_id(path or '/')}{verb.capitalize()}"
            resources[logical_id] = {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "RestAPI"},
                    "ResourceId": parents[parent_path],
                    "HttpMethod": verb.upper(),
                    # Each app checks its bearer tokens itself; banks sign their own way.
                    "AuthorizationType": "NONE",
                    "Integration": {
                        "Type": "AWS_PROXY",
                        "IntegrationHttpMethod": "POST",
                        "ContentHandling": integration.get("contentHandling", "CONVERT_TO_TEXT"),
                        "Uri": integration["uri"],
                    },
                },
            }
            methods.append(logical_id)
    routes_hash = hashlib.sha256(json.dumps(body["paths"], sort_keys=True).encode()).hexdigest()
    for name in [n for n, r in resources.items() if r["Type"] == "AWS::ApiGateway::Deployment"]:
        deployment = resources.pop(name)
        # A new logical id per route table: CloudFormation deploys the API again on a change.
        renamed = f"RestAPIDeployment{routes_hash[:10]}"
        deployment["DependsOn"] = methods
        # SAM's deployment also makes a stage called "Stage"; the API has one stage, "api".
        deployment["Properties"].pop("StageName", None)
        deployment["Properties"]["Description"] = f"Routes {routes_hash[:16]}"
        resources[renamed] = deployment
        for resource in resources.values():
            if resource["Type"] == "AWS::ApiGateway::Stage":
                resource["Properties"]["DeploymentId"] = {"Ref": renamed}


def _throttle_and_trace(template: dict[str, Any], stage: Stage) -> None:
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::ApiGateway::Stage":
            resource["Properties"]["TracingEnabled"] = True
            resource["Properties"]["MethodSettings"] = [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": stage.api_throttle_rate,
                    "ThrottlingBurstLimit": stage.api_throttle_burst,
                    "MetricsEnabled": True,
                }
            ]


def _translate(sam: dict[str, Any], region: str) -> dict[str, Any]:
    """SAM to CloudFormation, offline: roles here are all inline, so no managed policy is
    looked up, and the region is the stage's, not the packaging machine's."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    translated: dict[str, Any] = translator.translate(
        sam, parameter_values={}, get_managed_policy_map=dict
    )
    # The translator counts what it did for AWS's own service; offline, publishing goes to
    # its dummy publisher, and not publishing makes it warn when it is collected.
    translator.metrics.publish()
    return translated


def service_template(
    sam: dict[str, Any], service: str, stage_name: str, stage: Stage
) -> dict[str, Any]:
    """The deployable template of ``service`` at ``stage_name`` from Chalice's SAM."""
    prepared = _prepare_sam(sam, service, stage_name, stage)
    template = _translate(prepared, stage.region)
    template["Description"] = (
        f"Public Service Portal - the {service} service at stage {stage_name}: its functions, "
        "their roles, its REST API, its alarms and dashboard. Built by 'portal package'."
    )
    if "RestAPI" in template["Resources"]:
        _explicit_routes(template)
    _throttle_and_trace(template, stage)
    monitoring.add_alarms_and_dashboard(template, service, stage_name)
    return template
