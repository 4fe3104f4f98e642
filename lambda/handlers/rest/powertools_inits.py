"""How the Powertools ``__init__``'s the REST handlers defer (``handlers.rest``) read:
what each binds and its ``__all__``, recorded with the SHA-256 of its source
(``shared.lazy_package.read_ahead``). A deferred package's first name then costs no parse of
its ``__init__``; a Powertools release whose ``__init__`` differs is parsed as before, and
tests/handlers/test_tracing.py fails, printing the readings to record here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.lazy_package import Reading

READINGS: dict[str, Reading] = {
    "aws_lambda_powertools.event_handler": (
        "a28019de568b8d5e385b0837e023f863540352be9c18d146ed0d8679ea21f478",
        {
            "ALBResolver": ("aws_lambda_powertools.event_handler.api_gateway", "ALBResolver"),
            "APIGatewayHttpResolver": (
                "aws_lambda_powertools.event_handler.api_gateway",
                "APIGatewayHttpResolver",
            ),
            "ApiGatewayResolver": (
                "aws_lambda_powertools.event_handler.api_gateway",
                "ApiGatewayResolver",
            ),
            "APIGatewayRestResolver": (
                "aws_lambda_powertools.event_handler.api_gateway",
                "APIGatewayRestResolver",
            ),
            "CORSConfig": ("aws_lambda_powertools.event_handler.api_gateway", "CORSConfig"),
            "Response": ("aws_lambda_powertools.event_handler.api_gateway", "Response"),
            "AppSyncResolver": ("aws_lambda_powertools.event_handler.appsync", "AppSyncResolver"),
            "BedrockAgentResolver": (
                "aws_lambda_powertools.event_handler.bedrock_agent",
                "BedrockAgentResolver",
            ),
            "BedrockResponse": (
                "aws_lambda_powertools.event_handler.bedrock_agent",
                "BedrockResponse",
            ),
            "BedrockAgentFunctionResolver": (
                "aws_lambda_powertools.event_handler.bedrock_agent_function",
                "BedrockAgentFunctionResolver",
            ),
            "BedrockFunctionResponse": (
                "aws_lambda_powertools.event_handler.bedrock_agent_function",
                "BedrockFunctionResponse",
            ),
            "DependencyResolutionError": (
                "aws_lambda_powertools.event_handler.depends",
                "DependencyResolutionError",
            ),
            "Depends": ("aws_lambda_powertools.event_handler.depends", "Depends"),
            "AppSyncEventsResolver": (
                "aws_lambda_powertools.event_handler.events_appsync.appsync_events",
                "AppSyncEventsResolver",
            ),
            "HttpResolver": ("aws_lambda_powertools.event_handler.http_resolver", "HttpResolver"),
            "HttpResolverLocal": (
                "aws_lambda_powertools.event_handler.http_resolver",
                "HttpResolverLocal",
            ),
            "LambdaFunctionUrlResolver": (
                "aws_lambda_powertools.event_handler.lambda_function_url",
                "LambdaFunctionUrlResolver",
            ),
            "Request": ("aws_lambda_powertools.event_handler.request", "Request"),
            "VPCLatticeResolver": (
                "aws_lambda_powertools.event_handler.vpc_lattice",
                "VPCLatticeResolver",
            ),
            "VPCLatticeV2Resolver": (
                "aws_lambda_powertools.event_handler.vpc_lattice",
                "VPCLatticeV2Resolver",
            ),
        },
        [
            "AppSyncResolver",
            "AppSyncEventsResolver",
            "APIGatewayRestResolver",
            "APIGatewayHttpResolver",
            "ALBResolver",
            "ApiGatewayResolver",
            "BedrockAgentResolver",
            "BedrockAgentFunctionResolver",
            "BedrockResponse",
            "BedrockFunctionResponse",
            "CORSConfig",
            "Depends",
            "DependencyResolutionError",
            "HttpResolver",
            "HttpResolverLocal",
            "LambdaFunctionUrlResolver",
            "Request",
            "Response",
            "VPCLatticeResolver",
            "VPCLatticeV2Resolver",
        ],
    ),
    "aws_lambda_powertools.event_handler.openapi": (
        "623475f47c754412de0d46eea3de1443364de859f9a443f1c1961c5bc3ee2587",
        {
            "OpenAPIMergeError": (
                "aws_lambda_powertools.event_handler.openapi.exceptions",
                "OpenAPIMergeError",
            ),
            "OpenAPIMerge": ("aws_lambda_powertools.event_handler.openapi.merge", "OpenAPIMerge"),
        },
        ["OpenAPIMerge", "OpenAPIMergeError"],
    ),
    "aws_lambda_powertools.utilities.data_classes": (
        "4a714523dbc633fdbc641585f5e81b1d8850a5c9fd89bfc6f2e16e4f71abaf9f",
        {
            "ALBEvent": ("aws_lambda_powertools.utilities.data_classes.alb_event", "ALBEvent"),
            "APIGatewayProxyEvent": (
                "aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event",
                "APIGatewayProxyEvent",
            ),
            "APIGatewayProxyEventV2": (
                "aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event",
                "APIGatewayProxyEventV2",
            ),
            "APIGatewayWebSocketEvent": (
                "aws_lambda_powertools.utilities.data_classes.api_gateway_websocket_event",
                "APIGatewayWebSocketEvent",
            ),
            "AppSyncResolverEvent": (
                "aws_lambda_powertools.utilities.data_classes.appsync_resolver_event",
                "AppSyncResolverEvent",
            ),
            "AppSyncResolverEventsEvent": (
                "aws_lambda_powertools.utilities.data_classes.appsync_resolver_events_event",
                "AppSyncResolverEventsEvent",
            ),
            "AWSConfigRuleEvent": (
                "aws_lambda_powertools.utilities.data_classes.aws_config_rule_event",
                "AWSConfigRuleEvent",
            ),
            "BedrockAgentEvent": (
                "aws_lambda_powertools.utilities.data_classes.bedrock_agent_event",
                "BedrockAgentEvent",
            ),
            "BedrockAgentFunctionEvent": (
                "aws_lambda_powertools.utilities.data_classes.bedrock_agent_function_event",
                "BedrockAgentFunctionEvent",
            ),
            "CloudWatchAlarmConfiguration": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_alarm_event",
                "CloudWatchAlarmConfiguration",
            ),
            "CloudWatchAlarmData": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_alarm_event",
                "CloudWatchAlarmData",
            ),
            "CloudWatchAlarmEvent": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_alarm_event",
                "CloudWatchAlarmEvent",
            ),
            "CloudWatchAlarmMetric": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_alarm_event",
                "CloudWatchAlarmMetric",
            ),
            "CloudWatchAlarmMetricStat": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_alarm_event",
                "CloudWatchAlarmMetricStat",
            ),
            "CloudWatchAlarmState": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_alarm_event",
                "CloudWatchAlarmState",
            ),
            "CloudWatchDashboardCustomWidgetEvent": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_custom_widget_event",
                "CloudWatchDashboardCustomWidgetEvent",
            ),
            "CloudWatchLogsEvent": (
                "aws_lambda_powertools.utilities.data_classes.cloud_watch_logs_event",
                "CloudWatchLogsEvent",
            ),
            "CloudFormationCustomResourceEvent": (
                "aws_lambda_powertools.utilities.data_classes.cloudformation_custom_resource_event",
                "CloudFormationCustomResourceEvent",
            ),
            "CodeDeployLifecycleHookEvent": (
                "aws_lambda_powertools.utilities.data_classes.code_deploy_lifecycle_hook_event",
                "CodeDeployLifecycleHookEvent",
            ),
            "CodePipelineJobEvent": (
                "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event",
                "CodePipelineJobEvent",
            ),
            "ConnectContactFlowEvent": (
                "aws_lambda_powertools.utilities.data_classes.connect_contact_flow_event",
                "ConnectContactFlowEvent",
            ),
            "DynamoDBStreamEvent": (
                "aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event",
                "DynamoDBStreamEvent",
            ),
            "EventBridgeEvent": (
                "aws_lambda_powertools.utilities.data_classes.event_bridge_event",
                "EventBridgeEvent",
            ),
            "event_source": (
                "aws_lambda_powertools.utilities.data_classes.event_source",
                "event_source",
            ),
            "KafkaEvent": (
                "aws_lambda_powertools.utilities.data_classes.kafka_event",
                "KafkaEvent",
            ),
            "KinesisFirehoseDataTransformationRecord": (
                "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event",
                "KinesisFirehoseDataTransformationRecord",
            ),
            "KinesisFirehoseDataTransformationRecordMetadata": (
                "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event",
                "KinesisFirehoseDataTransformationRecordMetadata",
            ),
            "KinesisFirehoseDataTransformationResponse": (
                "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event",
                "KinesisFirehoseDataTransformationResponse",
            ),
            "KinesisFirehoseEvent": (
                "aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event",
                "KinesisFirehoseEvent",
            ),
            "KinesisStreamEvent": (
                "aws_lambda_powertools.utilities.data_classes.kinesis_stream_event",
                "KinesisStreamEvent",
            ),
            "LambdaFunctionUrlEvent": (
                "aws_lambda_powertools.utilities.data_classes.lambda_function_url_event",
                "LambdaFunctionUrlEvent",
            ),
            "S3BatchOperationEvent": (
                "aws_lambda_powertools.utilities.data_classes.s3_batch_operation_event",
                "S3BatchOperationEvent",
            ),
            "S3BatchOperationResponse": (
                "aws_lambda_powertools.utilities.data_classes.s3_batch_operation_event",
                "S3BatchOperationResponse",
            ),
            "S3BatchOperationResponseRecord": (
                "aws_lambda_powertools.utilities.data_classes.s3_batch_operation_event",
                "S3BatchOperationResponseRecord",
            ),
            "S3Event": ("aws_lambda_powertools.utilities.data_classes.s3_event", "S3Event"),
            "S3EventBridgeNotificationEvent": (
                "aws_lambda_powertools.utilities.data_classes.s3_event",
                "S3EventBridgeNotificationEvent",
            ),
            "SecretsManagerEvent": (
                "aws_lambda_powertools.utilities.data_classes.secrets_manager_event",
                "SecretsManagerEvent",
            ),
            "SESEvent": ("aws_lambda_powertools.utilities.data_classes.ses_event", "SESEvent"),
            "SNSEvent": ("aws_lambda_powertools.utilities.data_classes.sns_event", "SNSEvent"),
            "SQSEvent": ("aws_lambda_powertools.utilities.data_classes.sqs_event", "SQSEvent"),
            "SQSRecord": ("aws_lambda_powertools.utilities.data_classes.sqs_event", "SQSRecord"),
            "TransferFamilyAuthorizer": (
                "aws_lambda_powertools.utilities.data_classes.transfer_family_event",
                "TransferFamilyAuthorizer",
            ),
            "TransferFamilyAuthorizerResponse": (
                "aws_lambda_powertools.utilities.data_classes.transfer_family_event",
                "TransferFamilyAuthorizerResponse",
            ),
            "VPCLatticeEvent": (
                "aws_lambda_powertools.utilities.data_classes.vpc_lattice",
                "VPCLatticeEvent",
            ),
            "VPCLatticeEventV2": (
                "aws_lambda_powertools.utilities.data_classes.vpc_lattice",
                "VPCLatticeEventV2",
            ),
        },
        [
            "APIGatewayProxyEvent",
            "APIGatewayProxyEventV2",
            "APIGatewayWebSocketEvent",
            "SecretsManagerEvent",
            "AppSyncResolverEvent",
            "AppSyncResolverEventsEvent",
            "ALBEvent",
            "BedrockAgentEvent",
            "BedrockAgentFunctionEvent",
            "CloudWatchAlarmData",
            "CloudWatchAlarmEvent",
            "CloudWatchAlarmMetric",
            "CloudWatchAlarmState",
            "CloudWatchAlarmConfiguration",
            "CloudWatchAlarmMetricStat",
            "CloudWatchDashboardCustomWidgetEvent",
            "CloudWatchLogsEvent",
            "CodeDeployLifecycleHookEvent",
            "CodePipelineJobEvent",
            "ConnectContactFlowEvent",
            "DynamoDBStreamEvent",
            "EventBridgeEvent",
            "KafkaEvent",
            "KinesisFirehoseEvent",
            "KinesisStreamEvent",
            "KinesisFirehoseDataTransformationResponse",
            "KinesisFirehoseDataTransformationRecord",
            "KinesisFirehoseDataTransformationRecordMetadata",
            "LambdaFunctionUrlEvent",
            "S3Event",
            "S3EventBridgeNotificationEvent",
            "S3BatchOperationEvent",
            "S3BatchOperationResponse",
            "S3BatchOperationResponseRecord",
            "SESEvent",
            "SNSEvent",
            "SQSEvent",
            "SQSRecord",
            "event_source",
            "AWSConfigRuleEvent",
            "VPCLatticeEvent",
            "VPCLatticeEventV2",
            "CloudFormationCustomResourceEvent",
            "TransferFamilyAuthorizerResponse",
            "TransferFamilyAuthorizer",
        ],
    ),
}
