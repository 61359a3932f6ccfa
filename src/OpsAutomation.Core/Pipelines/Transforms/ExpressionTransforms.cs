using OpsAutomation.Core.Pipelines.Validation;

namespace OpsAutomation.Core.Pipelines.Transforms;

/// <summary>
/// Sets a field to an expression's value over the record: <c>@{ Derive = @{ total = 'qty * unit_price' } }</c>.
/// The field is added when absent, replaced when present. The expression language is the one of
/// the validation rules (no code runs).
/// </summary>
public sealed class DeriveTransform(string target, RecordExpression expression) : ShapeTransform
{
    public override string Name => $"derive {target}";

    protected override ShapePlan Plan(RecordShape input)
    {
        if (input.IndexOf(target) is var index and >= 0) return new ShapePlan(input, [.. Enumerable.Range(0, input.Count)]) { Target = index };
        return new ShapePlan(new RecordShape([.. input.Names, target]), [.. Enumerable.Range(0, input.Count), -1]) { Target = input.Count };
    }

    protected override void Fill(RecordShape inputShape, object?[] input, ShapePlan plan, object?[] values) =>
        values[plan.Target] = expression.EvaluateValue(inputShape, input);
}

/// <summary>
/// Keeps the records a condition holds for: <c>@{ Filter = "status != 'test'" }</c>. A record
/// for which it is false or unknown (null) is filtered out on purpose (counted as Filtered, not
/// rejected), as SQL's WHERE does.
/// </summary>
public sealed class FilterTransform(RecordExpression condition) : IRecordTransform
{
    public string Name => $"filter {condition.Text}";

    public DataRecord? Apply(DataRecord record) => condition.Evaluate(record) == true ? record : null;
}

/// <summary>
/// Converts fields to a type as the validation rules coerce them: <c>@{ Cast = @{ amount = 'decimal' } }</c>.
/// A value that cannot have the type rejects the record, naming the field and value.
/// </summary>
public sealed class CastTransform(IReadOnlyDictionary<string, ColumnType> types) : IRecordTransform
{
    private readonly KeyValuePair<string, ColumnType>[] _types = [.. types];

    public string Name => "cast";

    public DataRecord? Apply(DataRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var values = (object?[])record.Values.Clone();
        foreach (var (field, type) in _types)
        {
            var index = record.Shape.IndexOf(field);
            if (index < 0) continue;
            if (!ValueCoercion.TryCoerce(values[index], type, [], out var cast))
                throw new FormatException($"field '{field}': '{ValueCoercion.ToText(values[index])}' is not {ValueCoercion.Describe(type)}");
            values[index] = cast;
        }
        return record.With(record.Shape, values);
    }
}
