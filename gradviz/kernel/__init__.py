"""The kernel: user code runs in a separate process, and only that process touches tensors.

Design (issue 11):

* **Process.** ``subprocess.Popen([python, "-m", "gradviz.kernel.worker", R, W])`` with two
  ``os.pipe()`` pipes passed by file descriptor, not ``multiprocessing``'s 'spawn' context. Spawn
  would re-import the app's ``__main__`` in the kernel and gives no say over the child's standard
  streams; with a plain subprocess the kernel's stdin is /dev/null (``input()`` raises EOFError
  instead of hanging), its C-level output and faulthandler's segfault report go to a log file
  rather than into the protocol, it runs in its own session (Stop signals it and whatever it
  started, and nothing else), and its exit code says how it ended. The framing is
  ``multiprocessing.connection.Connection`` over those pipes.
* **Messages** (:mod:`.protocol`): one dict of plain data per request or answer, pickled with
  protocol 5; numpy arrays travel as out-of-band buffers (their own frames, no copy into the pickle
  stream, never Python lists), and the app unpickles only plain types and numpy arrays.
* **Clean runs.** Every run gets a kernel of its own (a spare is started in the background, so a run
  does not wait for the interpreter to start): no default dtype, RNG state, grad mode, replaced
  ``sys.stdout`` or thread carries over from one run to the next, by construction.
* **Stop** (:meth:`KernelClient.stop`): SIGINT first (KeyboardInterrupt at the script's current
  line, or a flag the stepping loop checks between steps), then after 0.5 s the kernel's whole
  process group is killed; the next run starts a new kernel. ``sys.exit``, ``os._exit``, a segfault
  or an out-of-memory kill end only the kernel: the run reports "the script ended the kernel
  (exit code N)".

Layers: :mod:`.client`, :mod:`.protocol` and :mod:`.replica` are the app's side and import neither
engine nor Qt; :mod:`.worker`, :mod:`.execution`, :mod:`.stepping` and :mod:`.documents` run in the
kernel and are the only gradviz code that touches tensors.
"""

from .client import KernelClient, KernelRequestError, RunError, RunResult, TensorInfo

__all__ = ["KernelClient", "KernelRequestError", "RunError", "RunResult", "TensorInfo"]
