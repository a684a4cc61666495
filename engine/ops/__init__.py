"""Every differentiable op, one class each; importing this package registers them all."""

from . import arithmetic, compare, copies, linalg, nn_ops, reduction, shape, unary  # noqa: F401
from . import extremum, clamp, modulo, lerp_addc  # noqa: F401  (elementwise math)
from . import norms, max_min  # noqa: F401  (reductions beyond sum/mean/prod)
from . import views, advanced_index, gather_scatter, masked, getitem, setitem  # noqa: F401  (indexing)
from . import inplace, fill_copy, joining, reorder  # noqa: F401
from . import softmax  # noqa: F401  (softmax, log_softmax, logsumexp)
from . import activation_ops, embedding, feature_norm, scalar_ops  # noqa: F401  (norm branch)
from . import conv, pooling, resample  # noqa: F401  (convolution, pooling, padding and resampling)
from . import attention, layer_norm, rnn_ops  # noqa: F401  (LayerNorm, the recurrent and attention ops)
from . import selection  # noqa: F401  (topk, sort, argsort, nonzero, all, any: programs branch)
from . import scan  # noqa: F401  (cumsum: programs branch)
from . import backward_ops  # noqa: F401  (tanh_backward, _softmax_backward_data, ...: PyTorch's double-backward nodes)
from . import packed  # noqa: F401  (pack_padded_sequence: nnbreadth branch)
from . import diagonal  # noqa: F401  (diagonal, trace: nnbreadth branch)
from . import pooling3d  # noqa: F401  (3-D pooling: nnbreadth branch)
from . import bilinear  # noqa: F401  (F.bilinear's _trilinear: nnbreadth branch)
from . import cdist  # noqa: F401  (torch.cdist: nnbreadth branch)
from . import separable3d  # noqa: F401  (3-D padding and upsampling: nnbreadth branch)
from . import pointwise_binary  # noqa: F401  (atan2, hypot: opbase branch)
from . import embedding_bag, pixel_shuffle, series_ops  # noqa: F401  (embedding_bag, pixel_shuffle, unfold, roll, diff, std_mean: nodefixture branch)
