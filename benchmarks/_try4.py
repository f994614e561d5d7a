import time, sys
from benchmarks.local_stack import BenchStack, BACKLOG_HUB, PARTITIONS
from benchmarks.preload import preload
from benchmarks import sdk_runs, module_runs
N = int(sys.argv[1])
with BenchStack() as stack:
    t = preload(stack.hub_connection_string(root=True), BACKLOG_HUB, N, PARTITIONS)
    print("preload", N, t, flush=True)
    for i in range(2):
        print("ceiling", sdk_runs.ceiling(stack, BACKLOG_HUB, N, 300), flush=True)
        print("pipeline", sdk_runs.ceiling(stack, BACKLOG_HUB, N, 300, kind="pipeline"), flush=True)
        stack.reset_intake(100)
        print("module", module_runs.throughput(stack, BACKLOG_HUB, N, 300, "m"), flush=True)
