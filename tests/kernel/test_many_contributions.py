"""A weight used in every block receives one gradient per block: the Backward panel's detail lists
the first CONTRIBUTIONS_SHOWN of them and says how many arrived (a table of 1,000 rows made every
Step at 5,000 nodes cost ~20 ms in the panel alone and as much in the kernel)."""

from __future__ import annotations

import numpy as np

import engine as torch
from gradviz.kernel.documents import CONTRIBUTIONS_SHOWN, current_detail
from gradviz.kernel.engine_documents import EngineDocuments


def test_the_detail_lists_the_first_contributions_and_counts_them_all():
    w = torch.ones(3, requires_grad=True)
    h = torch.zeros(3)
    uses = CONTRIBUTIONS_SHOWN + 25
    for _ in range(uses):
        h = h + w * 2.0
    loss = h.sum()
    docs = EngineDocuments()
    namespace = {"w": w, "h": h, "loss": loss}
    model = docs.build_model(loss, namespace, namespace)
    stepper = docs.new_stepper(loss, None, True, model)
    stepper.continue_(check=False)
    detail = current_detail(model, stepper)
    assert detail["contributions_total"] == uses
    assert len(detail["contributions"]) == CONTRIBUTIONS_SHOWN
    np.testing.assert_allclose(w.grad.numpy(), np.full(3, 2.0 * uses))
    # The ones listed are the first to arrive, in order, each a gradient of 2 per element.
    assert all(c["grad"]["shape"] == [3] for c in detail["contributions"])
