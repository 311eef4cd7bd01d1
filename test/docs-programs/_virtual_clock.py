# Runs a docs program (argv[1]) with asyncio's loops on a virtual clock, as wasmloop's side runs:
# loop.time() starts at 0, and when the loop would sleep until its next timer it polls for I/O
# and, finding none, jumps to that timer at once. Waiting with no timer (I/O, threads,
# subprocesses) blocks for real. So the programs keep the docs' delays, run in no time, and
# print the same times whatever the machine's load.
import asyncio
import runpy
import selectors
import sys


class VirtualSelector:
    def __init__(self, loop, selector):
        self._loop = loop
        self._selector = selector

    def select(self, timeout=None):
        if timeout is None:
            return self._selector.select(None)
        events = self._selector.select(0)
        if not events and timeout > 0:
            self._loop._vtime += timeout
        return events

    def __getattr__(self, name):
        return getattr(self._selector, name)


class VirtualClockLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        super().__init__(selectors.DefaultSelector())
        self._vtime = 0.0
        self._selector = VirtualSelector(self, self._selector)

    def time(self):
        return self._vtime


class VirtualClockPolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return VirtualClockLoop()


asyncio.set_event_loop_policy(VirtualClockPolicy())
runpy.run_path(sys.argv[1], run_name='__main__')
