"""Parity cases: 3-D convolution (plain, transposed), pooling and batch norm."""

from __future__ import annotations

from breadth_harness import BOTH, case, init_module, rand


def _module_case(factory, shape, train=True):
    def fn(torch, dt, rng):
        m = init_module(torch, factory(torch.nn), dt, rng)
        m.train(train)
        x = rand(torch, dt, rng, shape)
        out = m(x)
        return [out], {"x": x}, m
    return fn


MODULES = {
    "conv3d": (lambda nn: nn.Conv3d(2, 3, 3), (2, 2, 5, 4, 4)),
    "conv3d_stride_pad_dilation": (lambda nn: nn.Conv3d(2, 4, (3, 2, 2), stride=(2, 1, 2), padding=(1, 0, 1),
                                                        dilation=(1, 2, 1)), (1, 2, 6, 5, 5)),
    "conv3d_groups_no_bias": (lambda nn: nn.Conv3d(4, 6, 2, groups=2, bias=False), (2, 4, 3, 3, 4)),
    "conv3d_same": (lambda nn: nn.Conv3d(2, 2, (3, 1, 3), padding="same"), (1, 2, 4, 3, 5)),
    "conv3d_unbatched": (lambda nn: nn.Conv3d(2, 3, 2), (2, 3, 3, 3)),
    "conv_transpose3d": (lambda nn: nn.ConvTranspose3d(3, 2, 3), (2, 3, 3, 2, 3)),
    "conv_transpose3d_stride_output_padding": (
        lambda nn: nn.ConvTranspose3d(2, 4, (2, 3, 2), stride=(2, 2, 1), padding=(0, 1, 1), output_padding=(1, 1, 0),
                                      groups=2, dilation=(1, 1, 2)), (1, 2, 3, 3, 4)),
    "maxpool3d": (lambda nn: nn.MaxPool3d(2), (2, 2, 4, 4, 6)),
    "maxpool3d_pad_dilation_ceil": (lambda nn: nn.MaxPool3d((3, 2, 2), stride=(2, 1, 2), padding=(1, 1, 0),
                                                            dilation=(1, 1, 2), ceil_mode=True), (1, 2, 5, 4, 7)),
    "maxpool3d_unbatched": (lambda nn: nn.MaxPool3d(2, stride=1), (2, 3, 3, 3)),
    "avgpool3d": (lambda nn: nn.AvgPool3d(2), (2, 2, 4, 4, 4)),
    "avgpool3d_pad_exclude_ceil": (lambda nn: nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True,
                                                           count_include_pad=False), (1, 2, 5, 6, 4)),
    "avgpool3d_divisor": (lambda nn: nn.AvgPool3d((2, 2, 1), divisor_override=3), (1, 1, 4, 4, 3)),
    "adaptive_avgpool3d": (lambda nn: nn.AdaptiveAvgPool3d((2, 3, 2)), (2, 2, 5, 7, 4)),
    "adaptive_avgpool3d_none": (lambda nn: nn.AdaptiveAvgPool3d((None, 2, 1)), (1, 2, 3, 5, 4)),
    "adaptive_avgpool3d_one": (lambda nn: nn.AdaptiveAvgPool3d(1), (2, 3, 2, 3, 2)),
    "batchnorm3d_train": (lambda nn: nn.BatchNorm3d(3), (2, 3, 2, 3, 2)),
}
for _name, (_factory, _shape) in MODULES.items():
    case(_name, BOTH)(_module_case(_factory, _shape))


@case("maxpool3d_indices", BOTH)
def _indices(torch, dt, rng):
    x = rand(torch, dt, rng, (1, 2, 4, 4, 4))
    out, idx = torch.nn.functional.max_pool3d(x, 2, return_indices=True)
    assert idx.dtype == torch.int64
    return [out, idx.to(dt)], {"x": x}, None


@case("batchnorm3d_eval", BOTH)
def _bn_eval(torch, dt, rng):
    m = init_module(torch, torch.nn.BatchNorm3d(2, momentum=0.3), dt, rng)
    m(rand(torch, dt, rng, (3, 2, 2, 2, 2), grad=False))  # updates the running stats
    m.eval()
    x = rand(torch, dt, rng, (2, 2, 2, 3, 2))
    return [m(x), m.running_mean.clone(), m.running_var.clone()], {"x": x}, m


@case("small_3d_net", BOTH)
def _net(torch, dt, rng):
    nn = torch.nn
    m = init_module(torch, nn.Sequential(nn.Conv3d(1, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(),
                                         nn.MaxPool3d(2), nn.Conv3d(4, 4, 3, padding=1), nn.ReLU(),
                                         nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(4, 3)), dt, rng)
    x = rand(torch, dt, rng, (2, 1, 4, 4, 4))
    return [m(x)], {"x": x}, m


def _err(fn):
    def run(torch, dt, rng):
        fn(torch, torch.nn.functional, rand(torch, dt, rng, (1, 2, 4, 4, 4)))
    return run


ERRORS = {
    "maxpool3d_rank": lambda t, F, x: F.max_pool3d(x[0, 0], 2),
    "maxpool3d_too_small": lambda t, F, x: F.max_pool3d(x, 5),
    "maxpool3d_padding": lambda t, F, x: F.max_pool3d(x, 2, padding=2),
    "maxpool3d_arity": lambda t, F, x: F.max_pool3d(x, (2, 2)),
    "maxpool3d_dilation": lambda t, F, x: F.max_pool3d(x, 2, dilation=0),
    "avgpool3d_kernel_too_big": lambda t, F, x: F.avg_pool3d(x, 5),
    "avgpool3d_arity": lambda t, F, x: F.avg_pool3d(x, 2, stride=(1, 1)),
    "adaptive_avgpool3d_rank": lambda t, F, x: F.adaptive_avg_pool3d(x[0, 0, 0], 2),
    "conv3d_channels": lambda t, F, x: F.conv3d(x, t.ones(3, 3, 2, 2, 2)),
    "conv3d_rank": lambda t, F, x: F.conv3d(x[0, 0], t.ones(3, 2, 2, 2, 2)),
    "conv_transpose3d_output_padding": lambda t, F, x: F.conv_transpose3d(x, t.ones(2, 3, 2, 2, 2), stride=2,
                                                                          output_padding=2),
    "conv3d_kernel_too_big": lambda t, F, x: F.conv3d(x, t.ones(1, 2, 5, 2, 2)),
    "batchnorm3d_rank": lambda t, F, x: t.nn.BatchNorm3d(2)(x[0]),
}
for _name, _fn in ERRORS.items():
    case(_name, error=True)(_err(_fn))


PADS = {
    "reflection_pad3d": (lambda nn: nn.ReflectionPad3d((1, 2, 0, 1, 2, 1)), (1, 2, 3, 4, 3)),
    "replication_pad3d": (lambda nn: nn.ReplicationPad3d(2), (2, 1, 2, 3, 2)),
    "replication_pad3d_unbatched": (lambda nn: nn.ReplicationPad3d((0, 1, 1, 0, 2, 0)), (2, 2, 3, 2)),
    "constant_pad3d": (lambda nn: nn.ConstantPad3d((1, 0, 0, 2, 1, 1), 0.5), (1, 2, 2, 2, 3)),
    "zero_pad3d": (lambda nn: nn.ZeroPad3d(1), (1, 1, 2, 2, 2)),
    "conv3d_reflect_mode": (lambda nn: nn.Conv3d(2, 2, 3, padding=1, padding_mode="reflect"), (1, 2, 3, 4, 3)),
    "conv3d_replicate_mode": (lambda nn: nn.Conv3d(2, 2, 3, padding=(1, 0, 1), padding_mode="replicate"),
                              (1, 2, 3, 4, 3)),
    "conv3d_circular_mode": (lambda nn: nn.Conv3d(2, 2, 3, padding=1, padding_mode="circular"), (1, 2, 3, 4, 3)),
    "conv3d_same_even_kernel": (lambda nn: nn.Conv3d(2, 2, 2, padding="same"), (1, 2, 3, 4, 3)),
}
for _name, (_factory, _shape) in PADS.items():
    case(_name, BOTH)(_module_case(_factory, _shape))
case("reflection_pad3d_too_wide", error=True)(_err(lambda t, F, x: F.pad(x, (1, 1, 1, 1, 4, 4), mode="reflect")))
case("reflection_pad2d_too_tall", error=True)(
    _err(lambda t, F, x: F.pad(x[0], (0, 0, 4, 4), mode="reflect")))  # PyTorch numbers the argument per dim


UPSAMPLES = {
    "upsample_trilinear": (lambda nn: nn.Upsample(scale_factor=2, mode="trilinear"), (1, 2, 2, 3, 2)),
    "upsample_trilinear_align_size": (lambda nn: nn.Upsample(size=(3, 5, 4), mode="trilinear", align_corners=True),
                                      (1, 1, 2, 3, 3)),
    "upsample_nearest3d": (lambda nn: nn.Upsample(scale_factor=(1, 2, 3)), (2, 1, 2, 2, 2)),
    "upsample_nearest_exact3d": (lambda nn: nn.Upsample(size=(3, 4, 5), mode="nearest-exact"), (1, 2, 2, 3, 2)),
}
for _name, (_factory, _shape) in UPSAMPLES.items():
    case(_name, BOTH)(_module_case(_factory, _shape))


@case("interpolate_area_3d", BOTH)
def _area(torch, dt, rng):
    x = rand(torch, dt, rng, (1, 2, 4, 6, 5))
    return [torch.nn.functional.interpolate(x, size=(2, 3, 2), mode="area")], {"x": x}, None
