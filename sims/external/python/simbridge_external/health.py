"""The standard gRPC health service (``grpc.health.v1.Health/Check``).

Load balancers, Kubernetes probes and ``grpc_health_probe`` ask it whether
the server is up. The overall server ("") and ``simbridge.v1.EnvironmentService``
report SERVING until shutdown begins, then NOT_SERVING; any other service name
is NOT_FOUND, as the health-checking spec says. Only ``Check`` is served
(``Watch`` answers UNIMPLEMENTED).
"""

from __future__ import annotations

import grpc

from .protocol import health_pb

SERVICE = "grpc.health.v1.Health"


class Health:
    def __init__(self, services: tuple[str, ...]) -> None:
        self.services = ("",) + services
        self.serving = True

    def check(self, request, context):
        if request.service not in self.services:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service '{request.service}'")
        status = health_pb.HealthCheckResponse.SERVING if self.serving else health_pb.HealthCheckResponse.NOT_SERVING
        return health_pb.HealthCheckResponse(status=status)

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "Check": grpc.unary_unary_rpc_method_handler(
                    self.check,
                    request_deserializer=health_pb.HealthCheckRequest.FromString,
                    response_serializer=health_pb.HealthCheckResponse.SerializeToString,
                )
            },
        )
