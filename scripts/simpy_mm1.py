#!/usr/bin/env python3
"""SimPy's M/M/1 at rho 0.8 (lambda 0.8/s, mean service 1 s), the load `simrun bench` uses.

Written the way SimPy's own examples write it: a source process, one process per customer,
a Resource of capacity 1. Prints one line: customers, wall seconds, customers/s, mean wait
(theory: rho / (mu - lambda) = 4 s). Usage: simpy_mm1.py [CUSTOMERS] [SEED]
"""
import random
import sys
import time

import simpy

ARRIVAL_RATE = 0.8
SERVICE_MEAN = 1.0


def main():
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    arrivals = random.Random(seed)
    services = random.Random(seed + 1)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    waits = [0.0, 0]

    def customer(service):
        arrived = env.now
        with server.request() as request:
            yield request
            waits[0] += env.now - arrived
            waits[1] += 1
            yield env.timeout(service)

    def source():
        for _ in range(customers):
            yield env.timeout(arrivals.expovariate(ARRIVAL_RATE))
            env.process(customer(services.expovariate(1.0 / SERVICE_MEAN)))

    env.process(source())
    started = time.perf_counter()
    env.run()
    wall = time.perf_counter() - started
    print(f"simpy M/M/1: {waits[1]} customers, {wall:.4f} s wall, {waits[1] / wall:.0f} customers/s, "
          f"mean wait {waits[0] / max(waits[1], 1):.3f} s (theory 4.000)")


if __name__ == "__main__":
    main()
