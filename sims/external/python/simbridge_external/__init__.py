"""simbridge_external — the reference external environment, in Python.

A gRPC server speaking the simbridge protocol (proto/simbridge/v1/) for a
small robot task, Cart2D-v0. It is the template for connecting your own
simulator or robot: keep the protocol layers, replace ``cart2d.py``.

Files, in the order a request meets them:

    server.py     gRPC wiring and the command line (python3 -m simbridge_external)
    session.py    one client stream: handshake, token, version, dispatch, in-order responses
    env_pool.py   the session's envs by id: every check before any env is touched
    options.py    make/reset options: decode and check names and types
    tensors.py    numpy arrays <-> Tensor (raw little-endian bytes)
    specs.py      ArraySpec / OptionSpec / TaskSpec and their messages
    task.py       the Task / TaskFactory interface your robot implements
    cart2d.py     Cart2D-v0, the example task          <- replace this
    catalog.py    the tasks this server offers          <- register yours here
    realtime.py   real-time envs: a clock thread per make request (make_envs.realtime_hz)
    watch_hub.py  Watch streams: filters, max_hz, bounded queues, dropped counts
    views.py      view models and body poses for simbridge view (capability viewer_model)
    health.py     grpc.health.v1.Health/Check
    errors.py     gRPC status codes and ProtocolError
    protocol.py   generates and imports the protocol messages (build/, not committed)
"""
