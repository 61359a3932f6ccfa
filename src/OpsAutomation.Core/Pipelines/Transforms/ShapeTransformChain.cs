using System.Buffers;
using System.Runtime.CompilerServices;

namespace OpsAutomation.Core.Pipelines.Transforms;

/// <summary>
/// Consecutive shape transforms (rename, drop, default, derive) applied as one: the records between
/// them live in pooled arrays, so a record costs one array and one <see cref="DataRecord"/> however
/// many there are (Derive then Drop allocated two of each). Each transform still sees the record as
/// the one before it left it, so values, errors and their order are those of the transforms applied
/// one by one.
/// </summary>
internal sealed class ShapeTransformChain : IRecordTransform
{
    private readonly ShapeTransform[] _transforms;
    private readonly ConditionalWeakTable<RecordShape, ShapePlan[]?> _plans = [];
    private readonly ConditionalWeakTable<RecordShape, ShapePlan[]?>.CreateValueCallback _plan;

    private ShapeTransformChain(ShapeTransform[] transforms)
    {
        _transforms = transforms;
        _plan = PlansFor;
        Name = string.Join(", ", transforms.Select(t => t.Name));
    }

    public string Name { get; }

    /// <summary>The transforms with each run of two or more consecutive shape transforms made one chain.</summary>
    public static IRecordTransform[] Fuse(IReadOnlyList<IRecordTransform> transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        var fused = new List<IRecordTransform>(transforms.Count);
        for (var i = 0; i < transforms.Count;)
        {
            var end = i;
            while (end < transforms.Count && transforms[end] is ShapeTransform) end++;
            if (end - i >= 2)
            {
                fused.Add(new ShapeTransformChain([.. transforms.Skip(i).Take(end - i).Cast<ShapeTransform>()]));
                i = end;
            }
            else
            {
                fused.Add(transforms[i++]);
            }
        }
        return [.. fused];
    }

    /// <exception cref="TransformException">A transform of the chain failed; it names that transform.</exception>
    public DataRecord? Apply(DataRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var plans = _plans.TryGetValue(record.Shape, out var known) ? known : _plans.GetValue(record.Shape, _plan);
        if (plans is null) return ApplyOneByOne(record);
        var (shape, values) = (record.Shape, record.Values);
        object?[]? pooled = null;
        try
        {
            for (var i = 0; i < plans.Length; i++)
            {
                var plan = plans[i];
                var output = i == plans.Length - 1 ? new object?[plan.Output.Count] : ArrayPool<object?>.Shared.Rent(plan.Output.Count);
                try
                {
                    _transforms[i].Map(plan, shape, values, output);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (i < plans.Length - 1) ArrayPool<object?>.Shared.Return(output, clearArray: true);
                    throw new TransformException(_transforms[i].Name, ex);
                }
                if (pooled is not null) ArrayPool<object?>.Shared.Return(pooled, clearArray: true);
                pooled = i < plans.Length - 1 ? output : null;
                (shape, values) = (plan.Output, output);
            }
            return record.With(shape, values);
        }
        finally
        {
            if (pooled is not null) ArrayPool<object?>.Shared.Return(pooled, clearArray: true);
        }
    }

    // A plan that cannot be made (a rename clash) fails its transform for every record of the shape:
    // such records go one by one, so the transforms before it still run (and fail) first.
    private ShapePlan[]? PlansFor(RecordShape input)
    {
        var plans = new ShapePlan[_transforms.Length];
        var shape = input;
        for (var i = 0; i < plans.Length; i++)
        {
            try
            {
                plans[i] = _transforms[i].PlanFor(shape);
            }
            catch (InvalidOperationException)
            {
                return null;
            }
            shape = plans[i].Output;
        }
        return plans;
    }

    private DataRecord ApplyOneByOne(DataRecord record)
    {
        foreach (var transform in _transforms)
        {
            try
            {
                record = transform.Apply(record)!;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new TransformException(transform.Name, ex);
            }
        }
        return record;
    }
}

/// <summary>A transform of a <see cref="ShapeTransformChain"/> failed: <see cref="Transform"/> names it, the inner exception says why.</summary>
internal sealed class TransformException(string transform, Exception innerException) : Exception(innerException.Message, innerException)
{
    /// <summary>The failing transform's name, such as "derive total".</summary>
    public string Transform { get; } = transform;
}
