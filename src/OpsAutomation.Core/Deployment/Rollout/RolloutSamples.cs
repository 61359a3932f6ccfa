using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// The replica counts a rollout went through, for <see cref="RolloutResult.History"/>: a sample that
/// repeats the counts before it is dropped, and past the capacity every other sample is dropped and
/// from then on only every second change is kept (the stride doubles each time), so a long rollout
/// stays evenly covered in bounded memory. The newest sample is always kept: it is where the rollout ended.
/// </summary>
public sealed class RolloutSamples
{
    private readonly int _capacity;
    private readonly List<RolloutSample> _kept = [];
    private RolloutSample? _last;
    private RolloutSample? _pending;
    private int _stride = 1;
    private int _sinceKept;

    /// <summary>Samples kept at most; at least 3 (the first, one between, the newest).</summary>
    public RolloutSamples(int capacity = RolloutResult.MaxHistory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 3);
        _capacity = capacity;
    }

    /// <summary>Adds the counts of <paramref name="sample"/>; equal counts to the last added are not a change and are dropped.</summary>
    public void Add(RolloutSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (_last is not null && _last.SameCounts(sample)) return;
        _last = sample;
        if (++_sinceKept < _stride)
        {
            _pending = sample;
            return;
        }
        _kept.Add(sample);
        _pending = null;
        _sinceKept = 0;
        if (_kept.Count < _capacity) return;
        var stride = _stride;
        for (var i = _kept.Count - 1; i > 0; i--)
        {
            if (i % 2 == 1) _kept.RemoveAt(i);
        }
        _stride *= 2;
        if (ReferenceEquals(_kept[^1], sample)) return;
        // The newest fell out of the thinned list: it waits as pending, one old stride past the last kept.
        _pending = sample;
        _sinceKept = stride;
    }

    /// <summary>The samples kept, oldest first, the newest included.</summary>
    public IReadOnlyList<RolloutSample> ToList() => _pending is null ? [.. _kept] : [.. _kept, _pending];
}
