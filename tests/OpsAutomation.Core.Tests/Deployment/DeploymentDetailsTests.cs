using OpsAutomation.Core.Deployment;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.Deployment;

public sealed class DeploymentDetailsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rollouts_and_gate_values_survive_the_record_a_NaN_value_included()
    {
        var rollout = new RolloutResult
        {
            Name = "web", Namespace = "prod", Status = RolloutStatus.Complete, Revision = 4, Message = "done",
            State = new RolloutProgress { Name = "web", Namespace = "prod", Message = "done" },
            History = [new RolloutSample { Timestamp = At, Desired = 3, Updated = 1 }, new RolloutSample { Timestamp = At.AddSeconds(5), Desired = 3, Updated = 3, Ready = 3, Available = 3 }],
        };
        var validation = new DeploymentValidation
        {
            Outcome = ValidationOutcome.Failed, Reason = "error-ratio failed", StartTime = At, Duration = TimeSpan.FromSeconds(10), RunId = "r1", Timestamp = At,
            Gates =
            [
                new GateResult
                {
                    Gate = "error-ratio", Kind = GateKind.Metric, Outcome = GateOutcome.Failed, Reason = "0.2 > 0.05", StartTime = At, Duration = TimeSpan.Zero,
                    Evaluations =
                    [
                        new GateEvaluation { Gate = "error-ratio", Kind = GateKind.Metric, Number = 1, Timestamp = At, Query = "q", Value = 0.2, Threshold = "< 0.05", Verdict = GateVerdict.Fail, Message = "0.2 > 0.05" },
                        new GateEvaluation { Gate = "error-ratio", Kind = GateKind.Metric, Number = 2, Timestamp = At, Query = "q", Value = double.NaN, Threshold = "< 0.05", Verdict = GateVerdict.NoData, Message = "NaN" },
                    ],
                },
            ],
        };
        var result = new DeploymentResult
        {
            Id = "r1", Name = "web", Namespace = "prod", Strategy = DeploymentStrategyKind.RollingUpdate, Outcome = DeploymentOutcome.RolledBack,
            Reason = "bad", StartTime = At, Duration = TimeSpan.FromMinutes(1), Rollout = rollout, Rollouts = [rollout], Validation = validation,
        };

        var read = DeploymentDetails.Parse(DeploymentDetails.From(result, [("rollout", validation)]).ToJson())!;

        var history = Assert.Single(read.Rollouts).History;
        Assert.Equal(rollout.History, history);
        var evaluations = Assert.Single(Assert.Single(read.Validations).Gates).Evaluations!;
        Assert.Equal([0.05, 0.05], evaluations.Select(e => e.ThresholdValue));
        Assert.Equal(0.2, evaluations[0].Value);
        Assert.True(double.IsNaN(evaluations[1].Value!.Value));
        Assert.Equal("error-ratio", Assert.Single(read.Gates!).Gate);
    }

    [Fact]
    public void A_record_written_before_rollouts_were_kept_reads_with_none()
    {
        var read = DeploymentDetails.Parse("""{"applied":[{"Kind":"Deployment","Namespace":"prod","Name":"web","Outcome":"Created"}],"steps":[],"gates":null,"rollout":"done"}""")!;

        Assert.Equal("web", Assert.Single(read.Applied).Name);
        Assert.Empty(read.Rollouts);
        Assert.Empty(read.Validations);
    }

    [Theory]
    [InlineData("< 0.05", 0.05)]
    [InlineData(">= 0.99", 0.99)]
    [InlineData("<= 100", 100.0)]
    [InlineData("Healthy", null)]
    [InlineData("Healthy or Degraded", null)]
    public void A_conditions_number_is_its_threshold(string condition, double? expected) =>
        Assert.Equal(expected, DeploymentDetails.ThresholdValue(condition));

    [Fact]
    public void Details_that_are_not_of_this_shape_read_as_none() => Assert.Null(DeploymentDetails.Parse("{\"step\":7"));
}
