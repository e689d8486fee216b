import pytest

from opinionbox.charts import COUNT_SPACE, WIDTH, bar_chart

# The chart code needs no database, but conftest's autouse cache cleaner does
# (the default cache is the database cache).
pytestmark = pytest.mark.django_db


def test_longest_bar_fills_the_span_and_others_scale():
    chart = bar_chart("件数", [("A", 4), ("B", 2), ("C", 0)])
    widths = [b.bar_width for b in chart.bars]
    assert widths == [WIDTH - COUNT_SPACE, (WIDTH - COUNT_SPACE) // 2, 0]
    assert chart.total == 6 and not chart.is_empty


def test_small_nonzero_count_stays_visible():
    chart = bar_chart("件数", [("A", 1000), ("B", 1)])
    assert chart.bars[1].bar_width == 2


def test_rows_do_not_overlap_and_height_covers_last_bar():
    chart = bar_chart("件数", [("A", 1), ("B", 2), ("C", 3)])
    for upper, lower in zip(chart.bars, chart.bars[1:], strict=False):
        assert upper.bar_y + chart.bar_height < lower.label_y
    last = chart.bars[-1]
    assert chart.height == last.bar_y + chart.bar_height


@pytest.mark.parametrize("rows", [[], [("A", 0), ("B", 0)]])
def test_empty_chart(rows):
    chart = bar_chart("件数", rows)
    assert chart.is_empty
    assert all(b.bar_width == 0 for b in chart.bars)


def test_negative_count_is_refused():
    with pytest.raises(ValueError):
        bar_chart("件数", [("A", -1)])
