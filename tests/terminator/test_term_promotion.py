"""HyperbandPromotion (ASHA promotion type): pause, promote, ignore re-reports."""

from autogluon.scheduler.terminator import HyperbandPromotion, HyperbandStopping, NoStop


class FakeTask:
    def __init__(self, task_id, config=None):
        self.task_id = task_id
        self.config = config or {}


def report(asha, task_id, epoch, acc):
    return asha.on_task_report(FakeTask(task_id), {'epoch': epoch, 'training_epoch': epoch, 'accuracy': acc})


def test_pauses_trials_flags():
    assert HyperbandPromotion.pauses_trials is True
    assert HyperbandStopping.pauses_trials is False and NoStop.pauses_trials is False


def test_promotion_walkthrough():
    # max_t=4, grace_period=1, eta=2 -> rungs 1, 2; promotable at a rung: top floor(n/2)
    asha = HyperbandPromotion(max_t=4, grace_period=1, reduction_factor=2)
    assert asha.milestone(0) is None
    asha.on_task_add(FakeTask(0))
    assert asha.milestone(0) == 1
    assert report(asha, 0, 1, 0.5) is False  # pause at rung 1
    assert asha.last_stop_info == {
        'task_id': 0,
        'time': 1,
        'reward': 0.5,
        'rule': 'hyperband-promotion',
        'rung': 1,
        'paused': True,
        'bracket': 0,
    }
    assert asha.paused_tasks() == [0]
    assert asha.get_promotable() is None  # floor(1/2) = 0
    assert report(asha, 1, 1, 0.7) is False
    assert asha.get_promotable() == 1  # floor(2/2) = 1: top [1]
    assert asha.milestone(1) == 2 and asha.paused_tasks() == [0]
    assert asha.get_promotable() is None  # 1 already promoted
    # the promoted trial restarts and re-reports epoch 1: ignored, nothing recorded
    assert report(asha, 1, 1, 0.1) is True
    assert asha.rung_counts()[0][1]['recorded'] == 2
    assert report(asha, 1, 2, 0.75) is False  # pauses again at rung 2
    assert asha.get_promotable() is None  # rung 2: floor(1/2)=0; rung 1: top [1]
    assert report(asha, 2, 1, 0.6) is False
    assert asha.get_promotable() is None  # rung 1: n=3 -> top [1]
    assert report(asha, 3, 1, 0.4) is False
    assert asha.paused_tasks() == [0, 1, 2, 3]
    assert asha.get_promotable() == 2  # n=4 -> top [1, 2]
    assert report(asha, 2, 1, 0.6) is True  # re-report ignored
    assert report(asha, 2, 2, 0.8) is False  # rung 2: [.75, .8]
    assert asha.get_promotable() == 2  # top 1 of rung 2
    assert asha.milestone(2) == 4  # past the last rung: max_t
    assert report(asha, 2, 2, 0.0) is True  # ignored (<= promoted-from 2)
    assert report(asha, 2, 3, 0.82) is True
    assert report(asha, 2, 4, 0.9) is True  # at max_t it continues
    assert asha.get_promotable() is None
    assert asha.rung_counts() == {
        0: {1: {'recorded': 4, 'paused': 2, 'promoted': 2}, 2: {'recorded': 2, 'paused': 1, 'promoted': 1}}
    }
    # highest rung first: 4 reaches rung 2 and 5 enters at rung 1, both promotable
    assert report(asha, 4, 1, 0.95) is False
    assert asha.get_promotable() == 4  # n=5 -> top [4, 1]
    assert report(asha, 4, 2, 0.99) is False
    assert report(asha, 5, 1, 0.97) is False
    assert asha.get_promotable() == 4  # rung 2 (n=3, top [4]) before rung 1
    assert asha.get_promotable() == 5  # rung 1 (n=6, top [5, 4, 1])
    assert asha.get_promotable() is None
    assert asha.paused_tasks() == [0, 1, 3]


def test_paused_task_reporting_again_stays_paused():
    asha = HyperbandPromotion(max_t=9, grace_period=1, reduction_factor=3)
    assert report(asha, 0, 1, 0.5) is False
    assert report(asha, 0, 2, 0.9) is False
    assert asha.rung_counts()[0][1]['recorded'] == 1
    assert asha.last_stop_info['rung'] == 1


def test_removed_task_is_no_candidate_but_its_reward_counts():
    asha = HyperbandPromotion(max_t=4, grace_period=1, reduction_factor=2)
    report(asha, 0, 1, 0.9)
    report(asha, 1, 1, 0.1)
    asha.on_task_remove(FakeTask(0))
    assert asha.paused_tasks() == [1]
    assert asha.get_promotable() is None  # top 1 is the removed task 0
    report(asha, 2, 1, 0.05)
    assert asha.get_promotable() is None  # n=3 (0's reward still counts) -> top [0]
    report(asha, 3, 1, 0.04)
    assert asha.get_promotable() == 1  # n=4 -> top [0, 1]


def test_completed_task_is_no_candidate():
    asha = HyperbandPromotion(max_t=4, grace_period=1, reduction_factor=2)
    report(asha, 0, 1, 0.9)
    report(asha, 1, 1, 0.1)
    asha.on_task_complete(FakeTask(0), {'training_epoch': 1, 'accuracy': 0.9})
    assert asha.get_promotable() is None and asha.paused_tasks() == [1]


def test_no_rungs_never_pauses():
    asha = HyperbandPromotion(max_t=3, grace_period=3, reduction_factor=2)
    assert all(report(asha, 0, e, 0.0) for e in range(1, 5))
    assert asha.get_promotable() is None and asha.paused_tasks() == []


def test_mode_min_promotes_the_lowest_loss():
    asha = HyperbandPromotion(max_t=4, grace_period=1, reduction_factor=2, mode='min', reward_attr='loss')
    for task_id, loss in [(0, 0.3), (1, 0.1)]:
        assert asha.on_task_report(FakeTask(task_id), {'training_epoch': 1, 'loss': loss}) is False
    assert asha.get_promotable() == 1
    assert asha.last_stop_info['reward'] == 0.1


def test_equal_levels_across_brackets_prefer_bracket_zero():
    # max_t=9, grace=1, eta=3: bracket 0 rungs [1, 3], bracket 1 rungs [3]
    asha = HyperbandPromotion(max_t=9, grace_period=1, reduction_factor=3, brackets=2, seed=3)
    assert [asha.rung_levels(0), asha.rung_levels(1)] == [[1, 3], [3]]
    by_bracket = {0: [], 1: []}
    task_id = 0
    while len(by_bracket[0]) < 9 or len(by_bracket[1]) < 3:
        asha.on_task_add(FakeTask(task_id))
        b = asha.bracket_of(task_id)
        if len(by_bracket[b]) < (9 if b == 0 else 3):
            by_bracket[b].append(task_id)
        else:
            asha.on_task_remove(FakeTask(task_id))
        task_id += 1
    for i, tid in enumerate(by_bracket[0]):
        assert report(asha, tid, 1, i / 10.0) is False
    promoted = [asha.get_promotable() for _ in range(4)]
    assert promoted == [by_bracket[0][8], by_bracket[0][7], by_bracket[0][6], None]
    for tid in promoted[:3]:
        assert report(asha, tid, 3, 0.5) is False
    for i, tid in enumerate(by_bracket[1]):
        assert report(asha, tid, 3, 0.9 - i / 10.0) is False
    first, second = asha.get_promotable(), asha.get_promotable()
    assert first == by_bracket[0][8]  # level 3, bracket 0 first; ties -> earlier record
    assert second == by_bracket[1][0]
    assert asha.milestone(first) == 9 and asha.milestone(second) == 9
    assert asha.get_promotable() is None
