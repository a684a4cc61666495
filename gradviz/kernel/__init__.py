"""The kernel: user code runs in a separate process, and only that process touches tensors.

Design (issue 11):

* **Process.** ``multiprocessing``'s 'forkserver' context, its server preloaded with the kernel's
  modules (numpy, networkx, engine): the server is started once (~1-2 s, one interpreter start and
  the imports), and every kernel is a fork of that pristine process, which has never run user code
  (~30 ms to "ready" instead of a new interpreter per run). Not 'spawn': it would pay the full
  start for every run, and it (like forkserver by default) re-runs the app's ``__main__`` in the
  child, which the client suppresses while describing the child. Not 'fork' of the app itself:
  the app has Qt and worker threads, which a fork must not copy. A plain ``subprocess`` + pipe
  (the first version of this package) gave the same isolation at ~1.2 s per run. Each kernel makes
  itself a session leader (Stop signals its process group and nothing else), points its C-level
  stdout/stderr at a log file (faulthandler's report of a segfault, with the script's line, lands
  there), has /dev/null as stdin (``input()`` raises EOFError instead of hanging), reseeds numpy's
  global generator (Python's ``random`` reseeds itself after a fork), and dies with the fork
  server (PR_SET_PDEATHSIG), which ends with the app. Its exit code says how it ended.
* **Messages** (:mod:`.protocol`): one dict of plain data per request or answer, pickled with
  protocol 5; numpy arrays travel as out-of-band buffers (their own frames, no copy into the pickle
  stream, never Python lists), and the app unpickles only plain types and numpy arrays.
* **Clean runs.** Every run gets a kernel of its own (a spare is forked in the background, so a run
  does not even wait for the fork): no default dtype, RNG state, grad mode, replaced
  ``sys.stdout`` or thread carries over from one run to the next, by construction.
* **Stop** (:meth:`KernelClient.stop`): SIGINT first (KeyboardInterrupt at the script's current
  line, or a flag the stepping loop checks between steps), then after 0.5 s the kernel's whole
  process group is killed; the next run starts a new kernel. ``sys.exit``, ``os._exit``, a segfault
  or an out-of-memory kill end only the kernel: the run reports "the script ended the kernel
  (exit code N)".

* **Backends** (issue 12; :mod:`.backends`): a run is "engine" (``import torch`` is gradviz's
  engine, as always) or "torch" (the real PyTorch, never imported in the app nor in the engine
  kernels' fork server): ``run(..., backend=)``, else a ``# gradviz: backend=torch`` first line,
  else engine. Torch runs get kernels forked from a second fork server that imported torch
  (:data:`.process.PRELOADS`; started by the first torch kernel, which pays the ~3 s import: the
  next ones are ready in ~15 ms), and reseed torch's generator after the fork as a new process
  would; the spare kernel is of the last run's kind. :meth:`KernelClient.torch_available` says
  whether torch imports in the kernel's interpreter (tried in a throwaway torch kernel, which
  also starts that server), with the reason when not. Under torch the graph is
  torch's own ``grad_fn`` graph (:mod:`.torch_graph`; module paths and lines noted while the script
  runs, :mod:`.torch_run`), and backward is ONE real ``backward()`` recorded with node and leaf
  hooks, then replayed step by step (:mod:`.torch_stepping`). Both backends step with one
  :class:`~.stepping.Stepper`, answer with one :class:`~.documents.Documents` and build the graph
  with one walk (:mod:`.graph_builder`); :mod:`.engine_stepping`/:mod:`.engine_documents` and the
  ``torch_*`` modules only say how their library is read.

Layers: :mod:`.client`, :mod:`.backends`, :mod:`.messages`, :mod:`.process`, :mod:`.protocol` and
:mod:`.replica` are the app's side and import neither engine, torch nor Qt; :mod:`.worker`,
:mod:`.execution`, :mod:`.stepping`, :mod:`.documents`, the ``engine_*`` modules (engine) and the
``torch_*`` modules (torch) run in the kernel and are the only gradviz code that touches tensors.
"""

from .client import KernelClient, KernelRequestError, RunError, RunResult, TensorInfo

__all__ = ["KernelClient", "KernelRequestError", "RunError", "RunResult", "TensorInfo"]
