using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment;

/// <summary>
/// What a deployment record keeps of a run besides its columns (<see cref="DeploymentRecord.DetailsJson"/>):
/// the objects applied, the strategy's steps, the deciding validation's gates, and, for charts of the
/// run, every rollout with its replica counts over time and every validation with each gate's values
/// against its threshold. Written by the runner, read by reports; a record of an older version simply
/// lacks the newer parts.
/// </summary>
public sealed record DeploymentDetails
{
    private static readonly JsonSerializerOptions Json = new()
    {
        // A gate's value may be NaN (an empty division in PromQL): kept as written, not an error.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [JsonPropertyName("applied")]
    public IReadOnlyList<AppliedObject> Applied { get; init; } = [];

    [JsonPropertyName("steps")]
    public IReadOnlyList<StepDetail> Steps { get; init; } = [];

    /// <summary>The gates of the validation that decided the run (after the rollout, or after a rollback).</summary>
    [JsonPropertyName("gates")]
    public IReadOnlyList<GateDetail>? Gates { get; init; }

    /// <summary>The last rollout's message.</summary>
    [JsonPropertyName("rollout")]
    public string? Rollout { get; init; }

    /// <summary>Every rollout waited on, in order.</summary>
    [JsonPropertyName("rollouts")]
    public IReadOnlyList<RolloutDetail> Rollouts { get; init; } = [];

    /// <summary>Every validation made, in order (a canary's analyses, the validation after a rollout, after a rollback).</summary>
    [JsonPropertyName("validations")]
    public IReadOnlyList<ValidationDetail> Validations { get; init; } = [];

    /// <summary>The details of <paramref name="result"/>, with the validations the run made (stage and outcome).</summary>
    public static DeploymentDetails From(DeploymentResult result, IEnumerable<(string Stage, DeploymentValidation Validation)> validations)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new DeploymentDetails
        {
            Applied = [.. result.Applied.Select(a => new AppliedObject(a.Kind, a.Namespace, a.Name, a.Outcome.ToString()))],
            Steps = [.. result.Steps.Select(s => new StepDetail(s.Index, s.Kind, s.Description, s.Succeeded, s.RequestedWeight, s.AchievedWeight))],
            Gates = result.Validation?.Gates.Select(g => new GateDetail(g.Gate, g.Outcome.ToString(), g.Reason, g.Kind.ToString(), null)).ToList(),
            Rollout = result.Rollout?.Message,
            Rollouts = [.. result.Rollouts.Select(Detail)],
            Validations = [.. validations.Select(v => new ValidationDetail(v.Stage, v.Validation.Outcome.ToString(), v.Validation.Reason,
                [.. v.Validation.Gates.Select(g => new GateDetail(g.Gate, g.Outcome.ToString(), g.Reason, g.Kind.ToString(),
                    [.. g.Evaluations.Select(e => new EvaluationDetail(e.Number, e.Timestamp, e.Value, e.Threshold, ThresholdValue(e.Threshold), e.Verdict.ToString()))]))]))],
        };
    }

    /// <summary>The details of a run that only waited on rollouts (Undo-Deployment -Wait).</summary>
    public static DeploymentDetails Of(IEnumerable<RolloutResult> rollouts) => new()
    {
        Rollouts = [.. rollouts.Select(Detail)],
        Rollout = rollouts.LastOrDefault()?.Message,
    };

    /// <summary>The details as the record keeps them.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The details of a record; null when it has none or they are not JSON of this shape (a record written by hand).</summary>
    public static DeploymentDetails? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<DeploymentDetails>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static RolloutDetail Detail(RolloutResult rollout) => new(rollout.Name, rollout.Status.ToString(), rollout.Revision, rollout.Message, rollout.History);

    /// <summary>The number of a metric gate's condition ("&lt; 0.05" is 0.05); null for a health gate's ("Healthy").</summary>
    public static double? ThresholdValue(string? condition)
    {
        var number = condition?.TrimStart('<', '>', '=', ' ');
        return number is { Length: > 0 } && number.Length < condition!.Length
            && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}

/// <summary>An object the run applied and how: Created, Configured or Unchanged.</summary>
public sealed record AppliedObject(string Kind, string? Namespace, string Name, string Outcome);

/// <summary>A canary or blue-green step.</summary>
public sealed record StepDetail(int Index, string Kind, string Description, bool Succeeded, int? RequestedWeight, double? AchievedWeight);

/// <summary>A gate's outcome and, in a validation's details, its evaluations.</summary>
public sealed record GateDetail(string Gate, string Outcome, string Reason, string? Kind, IReadOnlyList<EvaluationDetail>? Evaluations);

/// <summary>One evaluation: its value against the threshold (<see cref="ThresholdValue"/> null for a health gate).</summary>
public sealed record EvaluationDetail(int Number, DateTimeOffset Timestamp, double? Value, string Threshold, double? ThresholdValue, string Verdict);

/// <summary>A rollout waited on: the Deployment, how it ended and its replica counts over time.</summary>
public sealed record RolloutDetail(string Name, string Status, long Revision, string Message, IReadOnlyList<RolloutSample> History);

/// <summary>A validation of one stage (rollout, a canary step, rollback), with its gates' evaluations.</summary>
public sealed record ValidationDetail(string Stage, string Outcome, string Reason, IReadOnlyList<GateDetail> Gates);
