import time, sys, pstats
from benchmarks.local_stack import BenchStack, BACKLOG_HUB, PARTITIONS
from benchmarks.preload import preload
from benchmarks import sdk_runs, module_runs
N = int(sys.argv[1])
with BenchStack() as stack:
    t = preload(stack.hub_connection_string(root=True), BACKLOG_HUB, N, PARTITIONS)
    print("preload", N, t, flush=True)
    stack.reset_intake(100)
    print("module", module_runs.throughput(stack, BACKLOG_HUB, N, 300, "m"), flush=True)
    stack.reset_intake(100)
    print("module-prof", module_runs.throughput(stack, BACKLOG_HUB, N, 300, "mp", profile_path="/tmp/module.prof"), flush=True)
pstats.Stats("/tmp/module.prof").sort_stats("tottime").print_stats(40)
