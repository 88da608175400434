import numpy as np

from editor.document import painting


def test_disk_is_round_and_binary():
    assert painting.disk(1).sum() == 1
    assert painting.disk(2).all() and painting.disk(2).shape == (2, 2)
    d = painting.disk(9)
    assert d[4].all() and d[:, 4].all()  # full middle row and column
    assert not d[0, 0] and not d[8, 8]  # corners cut: round, not square
    np.testing.assert_array_equal(d, d[::-1]) and np.testing.assert_array_equal(d, d.T)


def test_stroke_leaves_no_gaps_and_no_blended_values():
    labels = np.zeros((50, 80), np.uint8)
    patch = painting.stroke(labels.shape, [(5, 5), (70, 40)], 3)
    painting.paint(labels, patch, 7)
    assert set(np.unique(labels)) == {0, 7}  # no anti-aliased in-between classes
    # every pixel of the ideal 1-px line is covered (a fast drag does not skip)
    for t in np.linspace(0, 1, 200):
        x, y = 5 + 65 * t, 5 + 35 * t
        assert labels[int(round(y)), int(round(x))] == 7


def test_stroke_is_clipped_to_the_map():
    patch = painting.stroke((20, 20), [(-10, -10), (2, 2)], 5)
    assert patch.y0 == 0 and patch.x0 == 0 and patch.mask.any()
    assert painting.stroke((20, 20), [(100, 100)], 3).empty


def test_flood_fill_takes_the_connected_region_only():
    labels = np.zeros((30, 30), np.uint8)
    labels[:, 10] = 1  # a wall splits the map
    patch = painting.flood_region(labels, 2, 2)
    full = patch.full(labels.shape)
    assert full[:, :10].all() and not full[:, 10:].any()


def test_shapes_are_filled_and_aliased():
    shape = (40, 60)
    r = painting.rectangle(shape, (5, 5), (14, 9)).full(shape)
    assert r.sum() == 10 * 5
    e = painting.ellipse(shape, (10, 10), (30, 30)).full(shape)
    assert e[20, 20] and not e[10, 10] and e[20, 10] and e[10, 20]
    p = painting.polygon(shape, [(0, 0), (20, 0), (0, 20)]).full(shape)
    assert p[2, 2] and not p[19, 19]
    line = painting.line(shape, (0, 0), (59, 0), 1).full(shape)
    assert line[0].all() and line.sum() == 60
