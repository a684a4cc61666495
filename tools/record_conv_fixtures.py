"""Record PyTorch's convolution, pooling, padding and resampling into tests/fixtures/conv_cases.json.

Run from the repository root (needs torch; the tests do not):  python tools/record_conv_fixtures.py

Each case is an expression in ``nn`` / ``F`` / ``x`` that the engine test evaluates with the engine's
namespaces, so both sides build exactly the same layer. For every case and dtype (float32, float64)
the fixture holds the input, the layer's state_dict (copied into the engine model), the upstream
gradient, the output, the input's and every parameter's gradient, and the graph's node names
(a depth-first walk of grad_fn / next_functions). ``ERRORS`` records the exception type and message
PyTorch raises for bad arguments and shapes.
"""

from __future__ import annotations

import json
import os

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "conv_cases.json")

# (name, layer expression -- a module, or a function of x --, input shape)
CASES = [
    ("conv2d_default", "nn.Conv2d(3, 4, 3)", (2, 3, 7, 7)),
    ("conv2d_stride_pad", "nn.Conv2d(3, 4, (3, 2), stride=2, padding=(1, 2))", (2, 3, 9, 8)),
    ("conv2d_dilation_groups", "nn.Conv2d(4, 6, 3, dilation=2, groups=2, bias=False)", (2, 4, 9, 9)),
    ("conv2d_depthwise", "nn.Conv2d(3, 6, 3, padding=1, groups=3)", (1, 3, 5, 6)),
    ("conv2d_same", "nn.Conv2d(2, 3, 3, padding='same', dilation=2)", (2, 2, 7, 6)),
    ("conv2d_same_even", "nn.Conv2d(2, 3, (2, 4), padding='same')", (2, 2, 6, 6)),
    ("conv2d_valid", "nn.Conv2d(2, 3, 3, padding='valid')", (1, 2, 5, 5)),
    ("conv2d_unbatched", "nn.Conv2d(2, 3, 3, padding=1)", (2, 5, 5)),
    ("conv2d_reflect", "nn.Conv2d(2, 3, 3, padding=1, padding_mode='reflect')", (2, 2, 5, 5)),
    ("conv2d_replicate", "nn.Conv2d(2, 3, 3, padding=2, padding_mode='replicate')", (1, 2, 5, 5)),
    ("conv1d_default", "nn.Conv1d(3, 4, 3)", (2, 3, 10)),
    ("conv1d_stride_pad_dil", "nn.Conv1d(4, 2, 3, stride=2, padding=2, dilation=2, groups=2)", (2, 4, 11)),
    ("conv1d_same", "nn.Conv1d(2, 3, 4, padding='same')", (2, 2, 9)),
    ("conv1d_unbatched", "nn.Conv1d(2, 3, 3)", (2, 8)),
    ("conv_transpose2d_default", "nn.ConvTranspose2d(3, 4, 3)", (2, 3, 5, 5)),
    ("conv_transpose2d_stride", "nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2)", (2, 4, 4, 5)),
    ("conv_transpose2d_dilation", "nn.ConvTranspose2d(2, 3, 3, dilation=2, bias=False)", (1, 2, 4, 4)),
    ("conv_transpose1d", "nn.ConvTranspose1d(3, 2, 4, stride=3, padding=1, output_padding=2)", (2, 3, 6)),
    ("conv2d_functional", "lambda x: F.conv2d(x, torch.ones(4, 3, 2, 2, dtype=x.dtype) * 0.1, stride=(2, 1))", (1, 3, 6, 6)),
    ("max_pool2d", "nn.MaxPool2d(2)", (2, 3, 6, 6)),
    ("max_pool2d_stride_pad_ceil", "nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", (2, 2, 8, 7)),
    ("max_pool2d_dilation", "nn.MaxPool2d((2, 3), stride=1, dilation=(2, 1))", (1, 2, 6, 6)),
    ("max_pool2d_unbatched", "nn.MaxPool2d(2, stride=1)", (2, 4, 5)),
    ("max_pool2d_indices", "nn.MaxPool2d(2, return_indices=True)", (1, 2, 4, 6)),
    ("max_pool1d", "nn.MaxPool1d(3, stride=2, padding=1)", (2, 3, 9)),
    ("max_pool1d_ceil_indices", "nn.MaxPool1d(2, ceil_mode=True, return_indices=True)", (2, 2, 7)),
    ("avg_pool2d", "nn.AvgPool2d(2)", (2, 3, 6, 6)),
    ("avg_pool2d_pad_exclude", "nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)", (2, 2, 7, 7)),
    ("avg_pool2d_ceil", "nn.AvgPool2d((3, 2), stride=2, padding=1, ceil_mode=True)", (1, 2, 6, 7)),
    ("avg_pool2d_divisor", "nn.AvgPool2d(2, stride=1, divisor_override=3)", (1, 2, 4, 4)),
    ("avg_pool1d", "nn.AvgPool1d(3, stride=2, padding=1)", (2, 3, 8)),
    ("avg_pool1d_ceil", "nn.AvgPool1d(2, ceil_mode=True, count_include_pad=False)", (2, 2, 7)),
    ("adaptive_avg_pool2d", "nn.AdaptiveAvgPool2d((3, 4))", (2, 3, 7, 9)),
    ("adaptive_avg_pool2d_one", "nn.AdaptiveAvgPool2d(1)", (2, 3, 5, 5)),
    ("adaptive_avg_pool2d_none", "nn.AdaptiveAvgPool2d((None, 2))", (1, 2, 3, 5)),
    ("adaptive_avg_pool1d", "nn.AdaptiveAvgPool1d(4)", (2, 3, 10)),
    ("adaptive_max_pool2d", "nn.AdaptiveMaxPool2d((2, 3))", (2, 3, 7, 8)),
    ("adaptive_max_pool2d_indices", "nn.AdaptiveMaxPool2d(3, return_indices=True)", (1, 2, 5, 5)),
    ("adaptive_max_pool1d", "nn.AdaptiveMaxPool1d(3)", (2, 2, 8)),
    ("pad_constant", "lambda x: F.pad(x, (1, 2, 0, 1), value=0.5)", (2, 2, 3, 4)),
    ("pad_crop", "lambda x: F.pad(x, (-1, 2))", (2, 3, 5)),
    ("pad_reflect2d", "lambda x: F.pad(x, (2, 1, 1, 2), mode='reflect')", (2, 2, 4, 5)),
    ("pad_reflect1d", "lambda x: F.pad(x, (2, 3), mode='reflect')", (2, 2, 5)),
    ("pad_replicate2d", "lambda x: F.pad(x, (3, 0, 1, 2), mode='replicate')", (1, 2, 3, 4)),
    ("pad_replicate1d", "lambda x: F.pad(x, (1, 2), mode='replicate')", (2, 5)),
    ("pad_circular2d", "lambda x: F.pad(x, (2, 1, 1, 3), mode='circular')", (2, 2, 4, 5)),
    ("pad_circular1d", "lambda x: F.pad(x, (1, 3), mode='circular')", (2, 3, 4)),
    ("pad_circular_unbatched", "lambda x: F.pad(x, (0, 2, 1, 1), mode='circular')", (2, 3, 4)),
    ("conv2d_circular", "nn.Conv2d(2, 3, 3, padding=1, padding_mode='circular')", (1, 2, 5, 5)),
    ("conv1d_circular", "nn.Conv1d(2, 3, 3, padding=2, padding_mode='circular')", (2, 2, 6)),
    ("pad_module_zero2d", "nn.ZeroPad2d((1, 2, 0, 1))", (2, 3, 4)),
    ("pad_module_zero1d", "nn.ZeroPad1d(2)", (2, 2, 3)),
    ("pad_module_constant2d", "nn.ConstantPad2d(1, 3.5)", (1, 2, 3, 3)),
    ("pad_module_constant1d", "nn.ConstantPad1d((0, 2), -1.0)", (2, 3)),
    ("pad_module_reflection2d", "nn.ReflectionPad2d(2)", (1, 2, 3, 4)),
    ("pad_module_reflection1d", "nn.ReflectionPad1d((1, 2))", (2, 2, 4)),
    ("pad_module_replication2d", "nn.ReplicationPad2d((0, 1, 2, 1))", (2, 3, 3)),
    ("pad_module_replication1d", "nn.ReplicationPad1d(3)", (1, 2, 2)),
    ("upsample_nearest2d", "nn.Upsample(scale_factor=2)", (1, 2, 3, 4)),
    ("upsample_nearest2d_size", "nn.Upsample(size=(5, 7))", (1, 2, 3, 4)),
    ("upsample_bilinear", "nn.Upsample(scale_factor=2, mode='bilinear')", (1, 2, 3, 4)),
    ("upsample_bilinear_corners", "nn.Upsample(size=(5, 7), mode='bilinear', align_corners=True)", (2, 2, 3, 4)),
    ("interpolate_bilinear_down", "lambda x: F.interpolate(x, size=(3, 2), mode='bilinear')", (1, 2, 7, 5)),
    ("interpolate_nearest1d", "lambda x: F.interpolate(x, scale_factor=1.5)", (2, 2, 5)),
    ("interpolate_linear1d", "lambda x: F.interpolate(x, size=8, mode='linear', align_corners=False)", (2, 2, 5)),
    ("upsampling_nearest2d", "nn.UpsamplingNearest2d(scale_factor=2)", (1, 2, 2, 3)),
    ("upsampling_bilinear2d", "nn.UpsamplingBilinear2d(size=(5, 6))", (1, 2, 3, 4)),
    ("interpolate_nearest_exact", "lambda x: F.interpolate(x, scale_factor=1.7, mode='nearest-exact')", (1, 2, 3, 5)),
    ("interpolate_nearest_exact1d", "lambda x: F.interpolate(x, size=7, mode='nearest-exact')", (2, 2, 4)),
    ("upsample_deprecated", "lambda x: F.upsample_bilinear(x, scale_factor=2)", (1, 1, 3, 3)),
    ("max_pool2d_with_indices", "lambda x: F.max_pool2d_with_indices(x, 2)[0]", (1, 2, 4, 4)),
    ("interpolate_area", "lambda x: F.interpolate(x, size=(2, 3), mode='area')", (1, 2, 5, 7)),
    ("interpolate_linear1d_corners", "lambda x: F.interpolate(x, scale_factor=3, mode='linear', align_corners=True)", (1, 2, 4)),
    ("unfold", "nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))", (2, 3, 5, 6)),
    ("unfold_unbatched", "nn.Unfold(2)", (2, 4, 4)),
    ("fold", "nn.Fold((4, 5), 2)", (2, 8, 12)),
    ("fold_strided", "nn.Fold((5, 5), (2, 3), padding=1, stride=2)", (1, 6, 9)),
    ("lenet", "lenet(nn)", (2, 1, 28, 28)),
]

# Double backward: the input gradient made with create_graph=True, then differentiated again.
DOUBLE = [
    ("conv2d", "nn.Conv2d(2, 3, 3, stride=2, padding=1)", (2, 2, 6, 6)),
    ("conv2d_groups_dilation", "nn.Conv2d(4, 2, 2, dilation=2, groups=2)", (1, 4, 5, 5)),
    ("conv1d", "nn.Conv1d(2, 3, 3, padding=1)", (2, 2, 7)),
    ("conv_transpose2d", "nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1)", (1, 2, 3, 3)),
    ("avg_pool2d", "nn.AvgPool2d(3, stride=2, padding=1)", (1, 2, 5, 5)),
    ("upsample_bilinear", "nn.Upsample(scale_factor=2, mode='bilinear')", (1, 2, 3, 3)),
    ("unfold", "nn.Unfold(2, stride=1)", (1, 2, 4, 4)),
    ("pad_constant", "lambda x: F.pad(x, (1, 2, 1, 0), value=3.0)", (1, 2, 3, 3)),
    ("max_pool2d", "nn.MaxPool2d(2, stride=1)", (1, 2, 4, 4)),
    ("adaptive_max_pool2d", "nn.AdaptiveMaxPool2d(2)", (1, 2, 5, 5)),
    ("adaptive_avg_pool2d", "nn.AdaptiveAvgPool2d((2, 3))", (1, 2, 5, 5)),
    ("pad_reflect", "nn.ReflectionPad2d(1)", (1, 2, 3, 3)),
    ("pad_replicate1d", "nn.ReplicationPad1d(2)", (1, 2, 3)),
    ("upsample_nearest", "nn.Upsample(scale_factor=3)", (1, 2, 2, 2)),
    ("fold", "nn.Fold((3, 3), 2)", (1, 8, 4)),
    ("pad_reflect1d", "nn.ReflectionPad1d((2, 1))", (1, 2, 4)),
    ("pad_replicate2d", "nn.ReplicationPad2d((1, 0, 2, 1))", (1, 2, 3, 3)),
    ("upsample_nearest1d", "nn.Upsample(scale_factor=2)", (1, 2, 3)),
    ("upsample_linear1d", "nn.Upsample(size=5, mode='linear')", (1, 2, 3)),
    ("upsample_nearest_exact", "lambda x: F.interpolate(x, size=(4, 5), mode='nearest-exact')", (1, 2, 3, 3)),
    ("upsample_nearest_exact1d", "lambda x: F.interpolate(x, size=5, mode='nearest-exact')", (1, 2, 3)),
]

# (name, expression raising an error) -- x4 is (2, 3, 10, 10), x3 is (2, 3, 10), x1 is (10,)
ERRORS = [
    ("conv2d_channels", "nn.Conv2d(4, 5, 3)(x4)"),
    ("conv1d_channels", "nn.Conv1d(4, 5, 3)(x3)"),
    ("conv2d_kernel_too_big", "nn.Conv2d(3, 5, 11)(x4)"),
    ("conv2d_dilated_kernel_too_big", "nn.Conv2d(3, 5, 4, dilation=4)(x4)"),
    ("conv1d_kernel_too_big", "nn.Conv1d(3, 5, 11)(x3)"),
    ("conv_groups_in", "nn.Conv2d(3, 6, 3, groups=2)"),
    ("conv_groups_out", "nn.Conv2d(4, 5, 3, groups=2)"),
    ("conv_groups_zero", "nn.Conv2d(4, 4, 3, groups=0)"),
    ("conv2d_f_groups", "F.conv2d(x4, torch.zeros(6, 2, 3, 3), groups=2)"),
    ("conv2d_f_groups_weight", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), groups=3)"),
    ("conv2d_3d_input", "nn.Conv2d(3, 5, 3)(x3)"),
    ("conv2d_5d_input", "nn.Conv2d(3, 5, 3)(x4.unsqueeze(0))"),
    ("conv1d_4d_input", "nn.Conv1d(3, 5, 3)(x4)"),
    ("conv_same_strided", "nn.Conv2d(3, 5, 3, stride=2, padding='same')"),
    ("conv_f_same_strided", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), stride=2, padding='same')"),
    ("conv_dtype", "F.conv2d(x4.double(), torch.zeros(5, 3, 3, 3))"),
    ("conv_bias_dtype", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), torch.zeros(5, dtype=torch.float64))"),
    ("conv_padding_string_f", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), padding='foo')"),
    ("conv_bias_shape", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), torch.zeros(4))"),
    ("conv_transpose_channels", "nn.ConvTranspose2d(4, 5, 3)(x4)"),
    ("conv_transpose_output_padding", "nn.ConvTranspose2d(3, 5, 3, stride=2, output_padding=2)(x4)"),
    ("conv_transpose_output_size", "nn.ConvTranspose2d(3, 5, 3, stride=2, padding=1)(x4, output_size=[30, 30])"),
    ("conv_transpose_padding_mode", "nn.ConvTranspose2d(3, 5, 3, padding_mode='reflect')"),
    ("max_pool2d_too_small", "F.max_pool2d(x4, 11)"),
    ("max_pool2d_pad", "F.max_pool2d(x4, 2, padding=2)"),
    ("max_pool2d_1d_input", "F.max_pool2d(x1, 2)"),
    ("max_pool1d_too_small", "F.max_pool1d(x3, 11)"),
    ("max_pool1d_pad", "F.max_pool1d(x3, 2, padding=2)"),
    ("max_pool1d_1d_input", "F.max_pool1d(x1, 2)"),
    ("avg_pool2d_pad", "F.avg_pool2d(x4, 2, padding=2)"),
    ("avg_pool2d_too_small", "F.avg_pool2d(x4, 11)"),
    ("avg_pool1d_too_small", "F.avg_pool1d(x3, 11)"),
    ("max_pool2d_kernel_zero", "F.max_pool2d(x4, 0)"),
    ("max_pool2d_stride_zero", "F.max_pool2d(x4, 2, stride=0)"),
    ("max_pool2d_kernel_arity", "F.max_pool2d(x4, (2, 2, 2))"),
    ("max_pool2d_stride_arity", "F.max_pool2d(x4, 2, stride=(1, 1, 1))"),
    ("max_pool2d_padding_arity", "F.max_pool2d(x4, 2, padding=(1, 1, 1))"),
    ("max_pool2d_dilation_arity", "F.max_pool2d(x4, 2, dilation=(1, 1, 1))"),
    ("max_pool2d_negative_pad", "F.max_pool2d(x4, 3, padding=-1)"),
    ("max_pool2d_zero_dilation", "F.max_pool2d(x4, 2, dilation=0)"),
    ("avg_pool2d_stride_zero", "F.avg_pool2d(x4, 2, stride=0)"),
    ("avg_pool2d_kernel_arity", "F.avg_pool2d(x4, (2, 2, 2))"),
    ("conv2d_weight_3d", "F.conv2d(x4, torch.zeros(5, 3, 3))"),
    ("conv1d_weight_4d", "F.conv1d(x3, torch.zeros(5, 3, 3, 3))"),
    ("conv2d_stride_zero", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), stride=0)"),
    ("conv2d_negative_padding", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), padding=-1)"),
    ("conv2d_zero_dilation", "F.conv2d(x4, torch.zeros(5, 3, 3, 3), dilation=0)"),
    ("conv_transpose2d_groups", "F.conv_transpose2d(x4, torch.zeros(3, 2, 3, 3), groups=2)"),
    ("interpolate_empty_output", "F.interpolate(x4, scale_factor=0.05)"),
    ("interpolate_empty_output1d", "F.interpolate(x3, size=0)"),
    ("unfold_kernel_too_big", "F.unfold(x4, 11)"),
    ("adaptive_avg_pool2d_2d_input", "F.adaptive_avg_pool2d(x1.view(2, 5), 2)"),
    ("pad_odd", "F.pad(x4, (1, 1, 1))"),
    ("pad_reflect_too_big", "F.pad(x4, (11, 1, 0, 0), mode='reflect')"),
    ("pad_reflect_bad_size", "F.pad(x4, (1, 1), mode='reflect')"),
    ("pad_circular_wraps", "F.pad(x3, (11, 0), mode='circular')"),
    ("pad_circular_bad_size", "F.pad(x3, (1, 1, 1, 1, 1, 1), mode='circular')"),
    ("interpolate_nearest_corners", "F.interpolate(x4, scale_factor=2, align_corners=True)"),
    ("interpolate_both", "F.interpolate(x4, size=3, scale_factor=2)"),
    ("interpolate_neither", "F.interpolate(x4)"),
    ("interpolate_linear_4d", "F.interpolate(x4, scale_factor=2, mode='linear')"),
    ("fold_blocks", "F.fold(x3, (4, 4), 2)"),
]
# Messages that print a Python set: its order follows string hashing, so only the start is compared.
SET_MESSAGES = {"conv_padding_string": "Invalid padding string 'foo', should be one of ",
                "conv_padding_mode": "padding_mode must be one of "}
ERRORS += [("conv_padding_string", "nn.Conv2d(3, 5, 3, padding='foo')"),
           ("conv_padding_mode", "nn.Conv2d(3, 5, 3, padding_mode='bad')")]


def lenet(nn):
    """LeNet-5 for 28x28 inputs, as the example and the benchmark build it."""

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.pool = nn.MaxPool2d(2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 4 * 4, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)
            self.relu = nn.ReLU()

        def forward(self, x):
            x = self.pool(self.relu(self.conv1(x)))
            x = self.pool(self.relu(self.conv2(x)))
            x = x.flatten(1)
            x = self.relu(self.fc1(x))
            x = self.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet()


# Arrays larger than this are stored as checksums, and such layers get their weights from
# :func:`formula_weights` on both sides instead of a stored state_dict (keeps the fixture small).
BIG = 3000
RESULT_DIGITS = 13  # float64 results are compared with rtol 1e-9


def formula_weights(shape, index: int):
    """Deterministic small weights for parameter number ``index`` (numpy, shared with the tests)."""
    import numpy as np

    n = int(np.prod(shape))
    return (np.sin(np.arange(n) * 0.731 + index) * (0.5 / np.sqrt(max(1, n // shape[0])))).reshape(shape)


def checksum(values) -> list:
    """[sum, sum of squares, sum weighted by position] of a nested list or array, in float64."""
    import numpy as np

    a = np.asarray(values, dtype=np.float64).ravel()
    return [float(a.sum()), float((a * a).sum()), float((a * np.linspace(-1, 1, a.size)).sum())]


def compact(values, digits: int | None = None) -> list:
    """Nested lists of an array; float32 values written with their shortest float32 repr (exact
    after float32(...), about half the digits of the float64 repr). ``digits`` rounds float64
    results (not inputs) to that many significant digits, far below the tests' tolerance."""
    import numpy as np

    a = np.asarray(values.detach() if hasattr(values, "detach") else values)
    if a.dtype == np.float32:
        return np.array([float(str(v)) for v in a.ravel()]).reshape(a.shape).tolist()
    if digits is not None and a.dtype == np.float64:
        return np.array([float(f"{v:.{digits}g}") for v in a.ravel()]).reshape(a.shape).tolist()
    return a.tolist()


def _store(values) -> dict:
    import numpy as np

    a = np.asarray(values)
    if a.size > BIG:
        return {"checksum": checksum(a)}
    return {"values": compact(a, RESULT_DIGITS)}


def build(expr: str, torch):
    """The layer of a case: a module, or a function of x (``torch`` is torch or engine)."""
    scope = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional, "lenet": lenet}
    return eval(expr, scope)  # noqa: S307 - the expressions above


ATTRIBUTES = (
    "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "output_padding",
    "padding_mode", "transposed", "_reversed_padding_repeated_twice", "ceil_mode", "return_indices",
    "count_include_pad", "divisor_override", "output_size", "scale_factor", "mode", "align_corners", "size",
    "value", "recompute_scale_factor",
)


def attributes(layer) -> dict:
    """The layer's public configuration attributes, JSON-ready (tuples as lists)."""

    def plain(v):
        return [plain(i) for i in v] if isinstance(v, (tuple, list)) else v

    return {a: plain(getattr(layer, a)) for a in ATTRIBUTES if a in layer.__dict__}


CONV_SAVED = ("stride", "padding", "dilation", "transposed", "output_padding", "groups", "bias_sym_sizes_opt")


SAVED = {
    "ConvolutionBackward0": CONV_SAVED,
    "MaxPool2DWithIndicesBackward0": ("self", "result1", "kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "AdaptiveMaxPool2DBackward0": ("self", "result1"),
    "AvgPool2DBackward0": ("self", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    "AdaptiveAvgPool2DBackward0": ("self",),
}


def conv_saved(tensor) -> dict | None:
    """grad_fn._saved_<name> of the conv / pooling node under the output (a squeeze is looked through);
    tensors as their shapes. None for other nodes."""
    fn = tensor.grad_fn
    if fn is not None and type(fn).__name__ == "SqueezeBackward1":
        fn = fn.next_functions[0][0]
    names = SAVED.get(type(fn).__name__)
    if names is None:
        return None
    out = {}
    for k in names:
        v = getattr(fn, f"_saved_{k}")
        out[k] = list(v.shape) if hasattr(v, "shape") else (list(v) if isinstance(v, tuple) else v)
    return out


def node_chain(tensor) -> list:
    """[depth, type name, name()] of every node reached from tensor.grad_fn, depth first."""
    out = []
    stack = [(tensor.grad_fn, 0)]
    while stack:
        fn, depth = stack.pop()
        if fn is None:
            continue
        out.append([depth, type(fn).__name__, fn.name()])
        for child, _ in reversed(fn.next_functions):
            stack.append((child, depth + 1))
    return out


def _record_case(torch, name: str, expr: str, shape, dtype) -> dict:

    torch.manual_seed(sum(map(ord, name)))
    layer = build(expr, torch)
    state = {}
    big = False
    if isinstance(layer, torch.nn.Module):
        layer = layer.to(dtype)
        big = sum(p.numel() for p in layer.parameters()) > BIG
        if big:
            with torch.no_grad():
                for i, p in enumerate(layer.parameters()):
                    p.copy_(torch.from_numpy(formula_weights(tuple(p.shape), i)))
        else:
            state = {k: compact(v) for k, v in layer.state_dict().items()}
    x = torch.randn(*shape, dtype=dtype, requires_grad=True)
    out = layer(x)
    indices = None
    if isinstance(out, tuple):
        out, indices = out
    grad = torch.randn(out.shape, dtype=dtype)
    saved = conv_saved(out)  # before backward frees them
    out.backward(grad)
    params = dict(layer.named_parameters()) if isinstance(layer, torch.nn.Module) else {}
    return {
        "input": compact(x),
        "state": state,
        "formula_weights": big,
        "grad_output": compact(grad),
        "output": compact(out, RESULT_DIGITS),
        "output_shape": list(out.shape),
        "indices": None if indices is None else indices.tolist(),
        "input_grad": _store(x.grad.numpy()),
        "param_grads": {k: _store(p.grad.numpy()) for k, p in params.items()},
        "nodes": node_chain(out),
        "conv_saved": saved,
        "repr": repr(layer) if isinstance(layer, torch.nn.Module) else None,
        "attributes": attributes(layer) if isinstance(layer, torch.nn.Module) else {},
        "state_keys": list(state) if state else (list(layer.state_dict()) if isinstance(layer, torch.nn.Module) else []),
    }


def _record_double(torch, name: str, expr: str, shape) -> dict:
    """Values of gx = d<out, g>/dx (create_graph) and of the gradients of sum(gx²) + sum(gx·x)."""
    torch.manual_seed(sum(map(ord, name)) + 7)
    dtype = torch.float64
    layer = build(expr, torch)
    state = {}
    if isinstance(layer, torch.nn.Module):
        layer = layer.to(dtype)
        state = {k: v.detach().tolist() for k, v in layer.state_dict().items()}
    x = torch.randn(*shape, dtype=dtype, requires_grad=True)
    out = layer(x)
    grad = torch.randn(out.shape, dtype=dtype, requires_grad=True)
    (gx,) = torch.autograd.grad(out, x, grad, create_graph=True)
    # x·gx keeps x in the second-order graph even where gx does not depend on x (linear maps).
    ((gx * gx).sum() + (gx * x).sum()).backward()
    params = dict(layer.named_parameters()) if isinstance(layer, torch.nn.Module) else {}
    return {
        "name": name, "expr": expr, "input": x.detach().tolist(), "state": state, "grad_output": grad.detach().tolist(),
        "first": gx.detach().tolist(), "top": type(gx.grad_fn).__name__,
        "input_grad": x.grad.tolist(), "grad_output_grad": grad.grad.tolist(),
        "param_grads": {k: None if p.grad is None else p.grad.tolist() for k, p in params.items()},
    }


def _record_max_pool_third_order(torch) -> dict:
    """d/d(grad) of max_pool's create_graph input gradient: PyTorch gathers at the indices."""
    torch.manual_seed(3)
    x = torch.randn(1, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.max_pool2d(x, 2, stride=1)
    g = torch.randn(y.shape, dtype=torch.float64, requires_grad=True)
    (gx,) = torch.autograd.grad(y, x, g, create_graph=True)
    v = torch.randn(gx.shape, dtype=torch.float64, requires_grad=True)
    (gg,) = torch.autograd.grad(gx, g, v, create_graph=True)
    return {"input": x.tolist(), "grad_output": g.tolist(), "v": v.tolist(), "value": gg.detach().tolist(),
            "nodes": node_chain(gg)}


def _record_error(torch, expr: str) -> dict:
    import torch.nn.functional as F

    scope = {"torch": torch, "nn": torch.nn, "F": F, "x4": torch.randn(2, 3, 10, 10, requires_grad=True),
             "x3": torch.randn(2, 3, 10, requires_grad=True), "x1": torch.randn(10, requires_grad=True)}
    try:
        eval(expr, scope)  # noqa: S307
    except Exception as error:  # noqa: BLE001 - recording whatever PyTorch raises
        return {"type": type(error).__name__, "message": str(error)}
    raise AssertionError(f"{expr} did not raise")


def main() -> None:
    import warnings

    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    cases = []
    for name, expr, shape in CASES:
        for dtype in (torch.float32, torch.float64):
            rec = _record_case(torch, name, expr, shape, dtype)
            rec.update(name=name, expr=expr, shape=list(shape), dtype=str(dtype).split(".")[-1])
            cases.append(rec)
    errors = [dict(name=name, expr=expr, **_record_error(torch, expr)) for name, expr in ERRORS]
    double = [_record_double(torch, name, expr, shape) for name, expr, shape in DOUBLE]
    with open(FIXTURE, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases, "errors": errors, "double": double,
                   "max_pool_third_order": _record_max_pool_third_order(torch),
                   "prefix_only": SET_MESSAGES}, f)
    print(f"wrote {len(cases)} cases and {len(errors)} errors to {os.path.normpath(FIXTURE)}")


if __name__ == "__main__":
    main()
