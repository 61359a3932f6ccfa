using System.Runtime.CompilerServices;

namespace OpsAutomation.Core.Pipelines.Transforms;

/// <summary>
/// A transform that maps each input shape to one output shape, worked out once per shape and
/// cached, so a record costs one array copy: rename, drop, default and derive.
/// </summary>
public abstract class ShapeTransform : IRecordTransform
{
    private readonly ConditionalWeakTable<RecordShape, ShapePlan> _plans = [];
    private readonly ConditionalWeakTable<RecordShape, ShapePlan>.CreateValueCallback _plan;

    // One delegate for the transform's life: a method group passed per record was a delegate per record.
    protected ShapeTransform() => _plan = input => Plan(input);

    public abstract string Name { get; }

    public DataRecord? Apply(DataRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var plan = PlanFor(record.Shape);
        var values = new object?[plan.Output.Count];
        Map(plan, record.Shape, record.Values, values);
        return record.With(plan.Output, values);
    }

    /// <summary>The plan for records of shape <paramref name="input"/>, worked out once per shape.</summary>
    internal ShapePlan PlanFor(RecordShape input) => _plans.TryGetValue(input, out var plan) ? plan : _plans.GetValue(input, _plan);

    /// <summary>
    /// Sets <paramref name="values"/>[0..plan.Output.Count) from a record of shape <paramref name="inputShape"/>
    /// holding <paramref name="input"/> (either array may be longer than its shape: <see cref="ShapeTransformChain"/> passes pooled ones).
    /// </summary>
    internal void Map(ShapePlan plan, RecordShape inputShape, object?[] input, object?[] values)
    {
        var sources = plan.Sources;
        for (var i = 0; i < sources.Length; i++)
        {
            var from = sources[i];
            values[i] = from >= 0 ? input[from] : null;
        }
        Fill(inputShape, input, plan, values);
    }

    /// <summary>The output shape for <paramref name="input"/>, and where each output field comes from (-1: made by <see cref="Fill"/>).</summary>
    protected abstract ShapePlan Plan(RecordShape input);

    /// <summary>Sets the values the plan leaves to the transform (defaults, derived fields), from the input record's shape and values.</summary>
    protected virtual void Fill(RecordShape inputShape, object?[] input, ShapePlan plan, object?[] values)
    {
    }
}

/// <summary>An output shape and, per output field, the input field it copies (-1 for none).</summary>
public sealed record ShapePlan(RecordShape Output, int[] Sources)
{
    /// <summary>The output field the transform computes (a derived one); -1 for none.</summary>
    public int Target { get; init; } = -1;
}

/// <summary>Renames fields: <c>@{ Rename = @{ cust = 'customer_id' } }</c>. A field that is absent is left alone.</summary>
public sealed class RenameTransform(IReadOnlyDictionary<string, string> names) : ShapeTransform
{
    public override string Name => "rename";

    protected override ShapePlan Plan(RecordShape input)
    {
        var output = input.Names.Select(n => names.TryGetValue(n, out var renamed) ? renamed : n).ToList();
        var clash = output.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw new InvalidOperationException($"Renaming gives two fields named '{clash.Key}'.");
        return new ShapePlan(new RecordShape(output), [.. Enumerable.Range(0, input.Count)]);
    }
}

/// <summary>Drops fields: <c>@{ Drop = 'internal_note', 'debug' }</c>.</summary>
public sealed class DropTransform(IReadOnlyCollection<string> fields) : ShapeTransform
{
    private readonly HashSet<string> _fields = new(fields, StringComparer.Ordinal);

    public override string Name => "drop";

    protected override ShapePlan Plan(RecordShape input)
    {
        var kept = Enumerable.Range(0, input.Count).Where(i => !_fields.Contains(input.Names[i])).ToArray();
        return new ShapePlan(new RecordShape([.. kept.Select(i => input.Names[i])]), kept);
    }
}

/// <summary>Fills missing or null fields with a value: <c>@{ Default = @{ country = 'US'; qty = 1 } }</c>; adds a field that is absent.</summary>
public sealed class DefaultTransform(IReadOnlyDictionary<string, object?> defaults) : ShapeTransform
{
    private readonly KeyValuePair<string, object?>[] _defaults = [.. defaults];

    public override string Name => "default";

    protected override ShapePlan Plan(RecordShape input)
    {
        var names = input.Names.ToList();
        var sources = Enumerable.Range(0, input.Count).ToList();
        foreach (var (field, _) in _defaults)
        {
            if (input.IndexOf(field) >= 0) continue;
            names.Add(field);
            sources.Add(-1);
        }
        return new ShapePlan(new RecordShape(names), [.. sources]);
    }

    protected override void Fill(RecordShape inputShape, object?[] input, ShapePlan plan, object?[] values)
    {
        foreach (var (field, value) in _defaults)
        {
            var index = plan.Output.IndexOf(field);
            if (values[index] is null || values[index] is string { Length: 0 }) values[index] = value;
        }
    }
}
