"""W11 on CPython: python3 w11.py <asyncio|uvloop> <n> <trampoline|fanout> (see w11_code.py)."""
from common import args, emit, new_loop
import w11_code

impl, n, (which,) = args()
loop = new_loop(impl)
value = loop.run_until_complete(getattr(w11_code, which)(n))
loop.close()
emit(value=value)
