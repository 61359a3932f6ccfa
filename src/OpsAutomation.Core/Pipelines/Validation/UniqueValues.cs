namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// The values of one unique column seen in a run, kept typed so integer keys go to a compact
/// <see cref="IntegerSet"/> rather than a set of boxed objects. Thread-safe.
/// </summary>
internal sealed class UniqueValues
{
    private readonly IntegerSet _integers = new();
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<object> _others = [];
    private readonly object _gate = new();

    public bool Contains(object value)
    {
        lock (_gate)
        {
            return value switch
            {
                long l => _integers.Contains(l),
                string s => _strings.Contains(s),
                _ => _others.Contains(value),
            };
        }
    }

    /// <returns>False when the value was already there.</returns>
    public bool Add(object value)
    {
        lock (_gate)
        {
            return value switch
            {
                long l => _integers.Add(l),
                string s => _strings.Add(s),
                _ => _others.Add(value),
            };
        }
    }

    public void Remove(object value)
    {
        lock (_gate)
        {
            _ = value switch
            {
                long l => _integers.Remove(l),
                string s => _strings.Remove(s),
                _ => _others.Remove(value),
            };
        }
    }
}
