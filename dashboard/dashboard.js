// The dashboard's script: reads GET /evaluation and GET /metrics/live and draws them with vega-embed,
// which the page loads from this service (no other host). Plain browser JavaScript, no build step.

(() => {
  const $ = (id) => document.getElementById(id);
  /** Tableau 10: a policy keeps its colour in every chart (the domain is /evaluation's policy order). */
  const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d'];
  const ESTIMATORS = ['IPS', 'SNIPS', 'DR'];
  const TWO_DAYS_MS = 2 * 86_400_000;
  const LIVE_EVERY_MS = 5_000;

  const fmt = (v, digits = 3) => (v === null || v === undefined ? '—' : v.toFixed(digits));
  const fmtInterval = (ci) => (ci === null ? '—' : `${fmt(ci[0])} – ${fmt(ci[1])}`);
  const fmtPercent = (v) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  const utc = (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

  async function getJson(path) {
    const res = await fetch(path, { headers: { accept: 'application/json' } });
    const body = await res.json();
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${body.message ?? body.error}`);
    return body;
  }

  /** The window the controls ask for, as the query of /evaluation. */
  function chosenWindow() {
    const range = $('range').value;
    let fromMs;
    let toMs;
    if (range === 'custom') {
      fromMs = new Date($('from').value).getTime();
      toMs = new Date($('to').value).getTime();
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
        throw new Error('Pick both a start and an end.');
      if (fromMs > toMs) throw new Error('The start is after the end.');
    } else {
      toMs = Date.now();
      fromMs = toMs - Number(range);
    }
    // Short windows are drawn per hour: a day-wide bucket would be a single point.
    const bucket = toMs - fromMs <= TWO_DAYS_MS ? 'hour' : 'day';
    return new URLSearchParams({
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      bucket,
    });
  }

  function colours(policies) {
    return { domain: policies, range: policies.map((_, i) => PALETTE[i % PALETTE.length]) };
  }

  function showError(message) {
    const el = $('error');
    el.textContent = message;
    el.hidden = message === '';
  }

  /** Sentences a person can act on: is a shadow's DR above or below the active policy's, or not yet known? */
  function outcomeSentences(ev, active) {
    const shadows = ev.policies.filter((p) => p !== active);
    if (shadows.length === 0) {
      return [
        `Only the active policy, ${active.policy}, is configured (no SHADOW_POLICIES): its mean reward is ${fmt(active.dr)}.`,
      ];
    }
    return shadows.map((s) => {
      if (s.dr === null) return `${s.policy}: no decision of this window to judge it by yet.`;
      if (s.ess < 1) {
        return `${s.policy} cannot be judged yet: it never chose what the active policy chose with any probability (ESS ${fmt(s.ess, 1)}), so its estimate rests on the reward model alone.`;
      }
      if (s.ci95 === null || active.ci95 === null) {
        return `${s.policy} is not distinguishable from the active policy yet: fewer than 2 decisions (ESS ${fmt(s.ess, 0)}).`;
      }
      const versus = `${s.policy}'s DR (${fmt(s.dr)}) is`;
      const theirs = `the active policy's (${active.policy}, ${fmt(active.dr)})`;
      if (s.ci95[0] > active.ci95[1]) return `${versus} above ${theirs} with the 95% intervals apart.`;
      if (s.ci95[1] < active.ci95[0]) return `${versus} below ${theirs} with the 95% intervals apart.`;
      return `${s.policy} is not distinguishable from the active policy (${active.policy}) yet: DR ${fmt(s.dr)} against ${fmt(active.dr)}, the 95% intervals overlap, ESS ${fmt(s.ess, 0)}.`;
    });
  }

  /** What to say instead of charts; null when there is something to draw. */
  function emptyMessage(ev) {
    if (!ev.decision_log) {
      return 'The decision log is off (DECISION_LOG=0): this service records no decisions, so there is nothing to evaluate. Start it with DECISION_LOG=1 and send POST /recommend.';
    }
    if (ev.decisions === 0 && ev.awaiting_reward > 0) {
      return `No rewards yet: ${ev.awaiting_reward} decision(s) of this window are waiting for their reward (a decision without one counts as reward 0 only once its REWARD_WINDOW_S has passed). Nothing to estimate yet.`;
    }
    if (ev.decisions === 0) {
      return 'No decisions in this window. Decisions are logged by POST /recommend; pick a longer window or send some.';
    }
    return null;
  }

  function renderCounts(ev) {
    const parts = [`${ev.decisions} decision(s) counted`, `${ev.rewarded} with a reward`];
    if (ev.awaiting_reward > 0) parts.push(`${ev.awaiting_reward} still waiting for theirs (left out)`);
    if (ev.skipped_lines > 0) parts.push(`${ev.skipped_lines} unreadable log line(s) skipped`);
    $('counts').textContent = `${parts.join(', ')}.`;
  }

  function cell(row, field, value, text) {
    const td = document.createElement('td');
    td.dataset.policy = row.policy;
    td.dataset.field = field;
    td.dataset.value = JSON.stringify(value);
    td.textContent = text;
    return td;
  }

  function renderTable(ev, scale) {
    const body = $('estimates').querySelector('tbody');
    body.replaceChildren();
    for (const [i, p] of ev.policies.entries()) {
      const tr = document.createElement('tr');
      const name = document.createElement('td');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = scale.range[i];
      name.append(swatch, p.policy);
      const role = document.createElement('td');
      role.textContent = p.role === 'logging' ? 'active (logging)' : p.role;
      tr.append(
        name,
        role,
        cell(p, 'n', p.n, String(p.n)),
        cell(p, 'ips', p.ips, fmt(p.ips)),
        cell(p, 'snips', p.snips, fmt(p.snips)),
        cell(p, 'dr', p.dr, fmt(p.dr)),
        cell(p, 'ci95', p.ci95, fmtInterval(p.ci95)),
        cell(p, 'ess', p.ess, fmt(p.ess, 1)),
        cell(p, 'agreement', p.agreement, fmtPercent(p.agreement)),
      );
      body.append(tr);
    }
  }

  /** Text a person can read at arm's length: vega's defaults (10–11 px) are small next to the page's. */
  const CHART_CONFIG = {
    axis: { labelFontSize: 12, titleFontSize: 13, titlePadding: 8 },
    legend: { labelFontSize: 13, titleFontSize: 13, symbolSize: 140 },
    text: { fontSize: 12 },
  };
  const EMBED = { actions: false, renderer: 'svg', config: CHART_CONFIG };
  const tip = (field, title, format) => ({ field, title, type: 'quantitative', format });
  // The legend's symbols at full colour: drawn from a faint band, policies would be hard to tell apart.
  const policyColor = (scale) => ({
    field: 'policy',
    type: 'nominal',
    scale,
    title: 'Policy',
    legend: { symbolType: 'circle', symbolOpacity: 1 },
  });
  /** A 95% interval, from each datum's lo to its hi. */
  const INTERVAL = { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } };
  /** The estimate itself on the y axis, two decimals, not forced to include zero. */
  const estimateY = (field, title) => ({
    y: { field, type: 'quantitative', title, scale: { zero: false }, axis: { format: '.2f' } },
  });

  function estimatesSpec(ev, scale) {
    const values = ev.policies.flatMap((p) =>
      [
        ['IPS', p.ips, p.ips_ci95],
        ['SNIPS', p.snips, p.snips_ci95],
        ['DR', p.dr, p.ci95],
      ]
        .filter(([, v]) => v !== null)
        .map(([estimator, value, ci]) => ({
          policy: p.policy,
          estimator,
          value,
          lo: ci?.[0] ?? null,
          hi: ci?.[1] ?? null,
        })),
    );
    const x = {
      field: 'estimator',
      type: 'nominal',
      sort: ESTIMATORS,
      title: 'Estimator',
      axis: { labelAngle: 0 },
    };
    const xOffset = { field: 'policy', type: 'nominal', sort: scale.domain };
    const color = policyColor(scale);
    const tooltip = [
      { field: 'policy', title: 'Policy' },
      { field: 'estimator', title: 'Estimator' },
      tip('value', 'Estimate', '.4f'),
      tip('lo', '95% low', '.4f'),
      tip('hi', '95% high', '.4f'),
    ];
    return {
      width: 620,
      height: 300,
      data: { values },
      encoding: { x, xOffset, color, tooltip },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 3, opacity: 0.75 },
          transform: [{ filter: 'datum.lo !== null' }],
          encoding: INTERVAL,
        },
        {
          mark: { type: 'point', filled: true, size: 90, opacity: 1 },
          encoding: estimateY('value', 'Estimated reward per decision'),
        },
      ],
    };
  }

  function seriesSpec(ev, scale) {
    const hourly = ev.series_bucket === 'hour';
    const values = ev.series
      .filter((s) => s.dr !== null)
      .map((s) => ({
        start: s.start,
        policy: s.policy,
        dr: s.dr,
        lo: s.ci95?.[0] ?? null,
        hi: s.ci95?.[1] ?? null,
        n: s.n,
      }));
    const x = {
      field: 'start',
      type: 'temporal',
      timeUnit: hourly ? 'utcyearmonthdatehours' : 'utcyearmonthdate',
      title: hourly ? 'Hour (UTC)' : 'Day (UTC)',
      axis: { format: hourly ? '%b %d %H:00' : '%b %d', labelAngle: 0 },
    };
    const color = policyColor(scale);
    const tooltip = [
      { field: 'policy', title: 'Policy' },
      { field: 'start', type: 'temporal', title: hourly ? 'Hour' : 'Day', format: '%Y-%m-%d %H:%M UTC' },
      tip('dr', 'DR', '.4f'),
      tip('lo', '95% low', '.4f'),
      tip('hi', '95% high', '.4f'),
      tip('n', 'Decisions', 'd'),
    ];
    const band = { filter: 'datum.lo !== null' };
    return {
      width: 620,
      height: 260,
      data: { values },
      encoding: { x, color, tooltip },
      layer: [
        {
          mark: { type: 'area', opacity: 0.18 },
          transform: [band],
          encoding: INTERVAL,
        },
        // A bucket alone draws no area: its interval shows as a rule.
        {
          mark: { type: 'rule', opacity: 0.45 },
          transform: [band],
          encoding: INTERVAL,
        },
        {
          mark: { type: 'line', point: { filled: true, size: 50 } },
          encoding: estimateY('dr', 'DR estimate of reward per decision'),
        },
      ],
    };
  }

  function agreementSpec(shadows, scale) {
    const values = shadows.map((p) => ({ policy: p.policy, agreement: p.agreement, n: p.n }));
    return {
      width: 520,
      height: { step: 34 },
      data: { values },
      encoding: {
        y: { field: 'policy', type: 'nominal', title: 'Shadow policy', sort: scale.domain },
        x: {
          field: 'agreement',
          type: 'quantitative',
          title: 'Share of decisions where it chose the active choice',
          scale: { domain: [0, 1] },
          axis: { format: '%' },
        },
        tooltip: [
          { field: 'policy', title: 'Policy' },
          tip('agreement', 'Agrees', '.1%'),
          tip('n', 'Decisions', 'd'),
        ],
      },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: { color: { field: 'policy', type: 'nominal', scale, legend: null } },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, color: '#1f2328' },
          encoding: { text: { field: 'agreement', type: 'quantitative', format: '.1%' } },
        },
      ],
    };
  }

  /** Answers can come back out of order when the window is changed quickly: only the latest is drawn. */
  let latest = 0;

  async function renderEvaluation() {
    const mine = ++latest;
    document.body.dataset.state = 'loading';
    const query = chosenWindow();
    const ev = await getJson(`/evaluation?${query}`);
    if (mine !== latest) return;
    const win = $('window-form');
    win.dataset.from = query.get('from');
    win.dataset.to = query.get('to');
    win.dataset.bucket = query.get('bucket');
    $('window-label').textContent = `${utc(ev.from)} → ${utc(ev.to)}`;
    $('evaluation-link').href = `/evaluation?${query}`;
    renderCounts(ev);

    const empty = emptyMessage(ev);
    $('empty').textContent = empty ?? '';
    $('empty').hidden = empty === null;
    $('results').hidden = empty !== null;
    const active = ev.policies.find((p) => p.role === 'logging') ?? ev.policies[0];
    const outcome = $('outcome');
    outcome.replaceChildren();
    const sentences =
      empty === null ? outcomeSentences(ev, active) : ['No estimate for this window (see below).'];
    if (empty === null && ev.rewarded === 0) {
      sentences.unshift(
        'No rewards arrived in this window: every decision counts with reward 0, so every estimate is 0.',
      );
    }
    for (const s of sentences) {
      const p = document.createElement('p');
      p.textContent = s;
      outcome.append(p);
    }
    if (empty !== null) {
      document.body.dataset.state = 'empty';
      return;
    }

    const scale = colours(ev.policies.map((p) => p.policy));
    renderTable(ev, scale);
    $('series-title').textContent =
      ev.series_bucket === 'hour' ? 'DR estimate per hour (UTC)' : 'DR estimate per day (UTC)';
    const shadows = ev.policies.filter((p) => p.agreement !== null);
    $('agreement-empty').hidden = shadows.length > 0;
    $('chart-agreement').hidden = shadows.length === 0;
    await Promise.all([
      vegaEmbed('#chart-estimates', estimatesSpec(ev, scale), EMBED),
      vegaEmbed('#chart-series', seriesSpec(ev, scale), EMBED),
      shadows.length > 0 ? vegaEmbed('#chart-agreement', agreementSpec(shadows, scale), EMBED) : null,
    ]);
    document.body.dataset.state = 'ready';
  }

  async function renderLive() {
    try {
      const live = await getJson('/metrics/live');
      $('live-span').textContent = `(answered requests over the last ${live.window_s} s)`;
      $('live-scores').textContent = live.per_second.score.toFixed(1);
      $('live-rewards').textContent = live.per_second.reward.toFixed(1);
      $('live-p99').textContent =
        live.p99_ms.score === null ? 'no scores' : `${fmt(live.p99_ms.score, 2)} ms`;
      $('live-reward-p99').textContent =
        live.p99_ms.reward === null ? 'no rewards' : `${fmt(live.p99_ms.reward, 2)} ms`;
      $('live-backend').textContent = `${live.scorer.backend} (${live.scorer.precision})`;
      $('live-state').textContent = live.state_backend;
      $('live').dataset.backend = live.scorer.backend;
    } catch (err) {
      $('live-span').textContent = `(unavailable: ${err.message})`;
    }
  }

  function refresh() {
    showError('');
    renderEvaluation().catch((err) => {
      showError(err.message);
      document.body.dataset.state = 'error';
    });
  }

  $('range').addEventListener('change', () => {
    const custom = $('range').value === 'custom';
    $('custom-range').hidden = !custom;
    if (custom && $('from').value === '') {
      // Start from the last 7 days, in the local time the inputs speak.
      const local = (ms) =>
        new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      $('to').value = local(Date.now());
      $('from').value = local(Date.now() - 7 * 86_400_000);
    }
    if (!custom) refresh();
  });
  $('window-form').addEventListener('submit', (event) => {
    event.preventDefault();
    refresh();
  });

  refresh();
  renderLive();
  setInterval(renderLive, LIVE_EVERY_MS);
})();
