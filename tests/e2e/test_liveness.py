import time
from tests.stack.waiting import wait_until

def test_scratch_freeze(stack):
    module = stack.module()
    module.wait_for_output("now owning 4", 60)
    t = time.monotonic()
    stack.emulator.freeze()
    try:
        last = None
        while time.monotonic() - t < 300:
            status, body = module.health()
            if status != last:
                print(f"{time.monotonic()-t:.0f}s health {status} {body}", flush=True)
                last = status
            if status == 500:
                break
            time.sleep(2)
    finally:
        stack.emulator.unfreeze()
    u = time.monotonic()
    wait_until(lambda: module.health()[0] == 200, 300)
    print(f"recovered after {time.monotonic()-u:.0f}s")
    print("\n".join(l for l in module.output().splitlines() if "GET /health" not in l and "didn't produce" not in l)[-6000:])
