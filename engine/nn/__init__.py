"""``torch.nn`` on the engine: modules, parameters, functional forms, initialisers and losses."""

from . import _loss_ops  # noqa: F401  (registers the loss ops with Op.registry)
from . import functional, init
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter

__all__ = ["Parameter", "functional", "init", *_modules_all]
from . import utils  # noqa: E402  (nn.utils: clip_grad_norm_, parameters_to_vector)
# Unflatten, ParameterList, ParameterDict and nn.utils.rnn (programs branch).
from .modules.containers_extra import ParameterDict, ParameterList, Unflatten  # noqa: E402
from .utils import rnn as _rnn_utils  # noqa: E402, F401
