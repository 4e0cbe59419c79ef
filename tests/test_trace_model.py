"""The attribution model on hand-built inputs: exposure dilutes an account that receives every
title, the outside source absorbs leaks with no candidate, intervals bracket the posterior."""

from __future__ import annotations

import numpy as np

from scenescope.analysis.trace_model import ModelInputs, fit_model


def _inputs(seed: int = 3) -> tuple[ModelInputs, int, int]:
    rng = np.random.default_rng(seed)
    accounts, titles = 60, 400
    chain, front = 0, 1
    leak, account, delay = [], [], []
    leak_id = 0
    for title in range(titles):
        front_leaks = title % 4 == 0  # the front leaks a share of the titles (it gets half)
        shop_leaks = rng.random() < 0.03
        if not (front_leaks or shop_leaks):
            continue
        receivers = {chain: rng.uniform(25, 35)}  # the chain has every title, weeks early
        shops = rng.choice(np.arange(2, accounts), 8, replace=False)
        receivers |= {int(s): rng.uniform(3, 20) for s in shops}
        if front_leaks:
            receivers[front] = rng.uniform(0.3, 3.0)
        for who, days in sorted(receivers.items()):
            leak.append(leak_id)
            account.append(who)
            delay.append(days)
        leak_id += 1
    leak.append(leak_id)  # a leak whose shipment is missing from the records
    account.append(chain)
    delay.append(30.0)
    exposure = np.full(accounts, titles * 8 / (accounts - 2))
    exposure[chain], exposure[front] = titles, titles / 2
    inputs = ModelInputs(
        np.array(leak, dtype=np.int64),
        np.array(account, dtype=np.int64),
        np.array(delay, dtype=np.float64),
        exposure,
        leak_id + 1,
    )
    return inputs, chain, front


def test_the_front_not_the_chain_that_receives_everything() -> None:
    inputs, chain, front = _inputs()
    fit = fit_model(inputs)
    assert int(np.argmax(fit.posterior)) == front
    assert fit.posterior[front] >= 0.9 and fit.posterior[chain] < 0.5
    assert fit.leaks_explained[front] > 5 * fit.leaks_explained[chain]
    assert np.all(fit.lower <= fit.posterior) and np.all(fit.posterior <= fit.upper)
    # a leak with only the chain as candidate goes mostly to the outside source
    assert fit.unknown[-1] > 0.5
