using System.Runtime.CompilerServices;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines;

/// <summary>
/// Reads a step's source and validates every record without loading anything: the failures a
/// run would reject, as typed objects. A record the source cannot read is a failure of rule "read".
/// </summary>
public static class RecordChecker
{
    public static async IAsyncEnumerable<ValidationFailure> CheckAsync(PipelineStepPlan step, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        await using var source = step.CreateSource();
        await foreach (var item in source.ReadAsync(0, cancellationToken).ConfigureAwait(false))
        {
            IReadOnlyList<ValidationFailure> failures = item.Problem is { } problem
                ? [new ValidationFailure { Position = problem.Position, Location = problem.Location, Rule = "read", Value = Truncate(problem.RawText), Message = problem.Reason }]
                : step.Validate?.Invoke(item.Record!) ?? [];
            foreach (var failure in failures) yield return failure;
            if (failures.Count > 0 && step.FailFast) yield break;
        }
    }

    private static string? Truncate(string? text) => text is { Length: > 200 } ? text[..200] : text;
}
