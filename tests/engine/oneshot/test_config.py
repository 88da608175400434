from engine.oneshot.config import config_for_size, generator_geometry


def test_thesis_example_geometry():
    cfg = config_for_size(480, 854, images="x.jpg", preset="faithful", max_size=330)
    assert cfg.scaled_hw == (185, 330)
    assert (cfg.g_blocks, cfg.noise_shape, cfg.train_hw) == (7, (3, 5), (192, 320))
    assert (cfg.d_blocks, cfg.d_low_blocks) == (7, 3)
    assert cfg.g_channels == [256, 256, 256, 256, 256, 128, 64, 32]
    assert cfg.d_channels == [32, 64, 128, 256, 256, 256, 256, 256]
    assert (cfg.batch_size, cfg.lr_g, cfg.ema_decay, cfg.diffaug_prob) == (5, 2e-4, 0.9999, 0.3)


def test_smallest_g_with_noise_in_range():
    g, noise = generator_geometry(90, 160)  # 160/32 = 5, 90/32 = 2.8 -> 3
    assert (g, noise) == (6, (3, 5))
    assert generator_geometry(64, 112) == (5, (4, 7))


def test_extreme_aspect_ratio_falls_back_to_closest_noise_shape():
    g, noise = generator_geometry(128, 256)  # no g puts both 128 and 256 in [3, 7] * 2^(g-1)
    assert noise[0] * 2 ** (g - 1) == 128 and noise[1] * 2 ** (g - 1) == 256


def test_config_json_round_trip(tmp_path):
    from engine.oneshot.config import OneShotConfig
    cfg = config_for_size(480, 854, images="x.jpg", num_mask_channels=3)
    cfg.save(str(tmp_path))
    assert OneShotConfig.load(str(tmp_path)) == cfg
