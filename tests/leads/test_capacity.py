import datetime as dt

from expo.leads import capacity

TODAY = dt.date(2027, 4, 20)


def test_producible_weekly_capacity_times_weeks_minus_lead_time() -> None:
    # 21 days to go, 7 days of lead time: two weeks of production
    assert capacity.producible(capacity_per_week=500, lead_time_days=7, today=TODAY,
                               needed_by=TODAY + dt.timedelta(days=21)) == 1000


def test_producible_prorates_partial_weeks_rounding_down() -> None:
    assert capacity.producible(capacity_per_week=500, lead_time_days=3, today=TODAY,
                               needed_by=TODAY + dt.timedelta(days=13)) == 714


def test_producible_zero_when_the_lead_time_does_not_fit() -> None:
    assert capacity.producible(capacity_per_week=500, lead_time_days=5, today=TODAY,
                               needed_by=TODAY + dt.timedelta(days=4)) == 0
    assert capacity.producible(capacity_per_week=500, lead_time_days=0, today=TODAY,
                               needed_by=TODAY - dt.timedelta(days=3)) == 0


def test_producible_without_a_date_uses_four_weeks() -> None:
    assert capacity.producible(capacity_per_week=70, lead_time_days=7, today=TODAY,
                               needed_by=None) == 210


def test_spare_subtracts_committed_never_negative() -> None:
    kw = dict(capacity_per_week=700, lead_time_days=0, today=TODAY,
              needed_by=TODAY + dt.timedelta(days=7))
    assert capacity.spare(committed=200, **kw) == 500  # type: ignore[arg-type]
    assert capacity.spare(committed=900, **kw) == 0  # type: ignore[arg-type]


def test_split_asked_producer_first_then_largest_spare() -> None:
    result = capacity.split(quantity=2000, first=capacity.Supplier(1, 600),
                            others=[capacity.Supplier(2, 300), capacity.Supplier(3, 800),
                                    capacity.Supplier(4, 500)])
    assert result.shares == {1: 600, 3: 800, 4: 500, 2: 100}
    assert result.covered


def test_split_reports_a_shortfall() -> None:
    result = capacity.split(quantity=1000, first=capacity.Supplier(1, 100),
                            others=[capacity.Supplier(2, 200)])
    assert result.shares == {1: 100, 2: 200}
    assert result.shortfall == 700 and not result.covered
