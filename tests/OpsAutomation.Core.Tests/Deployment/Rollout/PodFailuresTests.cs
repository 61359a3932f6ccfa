using k8s.Models;
using OpsAutomation.Core.Deployment.Rollout;

namespace OpsAutomation.Core.Tests.Deployment.Rollout;

/// <summary>Which container states end a rollout wait at once (the sandbox's kubelet does not pull images, so pulls are shown here as the kubelet reports them).</summary>
public sealed class PodFailuresTests
{
    private static V1Pod Pod(string name, V1ContainerState state, V1ContainerState? last = null, int restarts = 0, bool init = false)
    {
        var status = new V1ContainerStatus { Name = "app", Image = "web:2", ImageID = "", Ready = false, RestartCount = restarts, State = state, LastState = last ?? new V1ContainerState() };
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Status = init ? new V1PodStatus { InitContainerStatuses = [status] } : new V1PodStatus { ContainerStatuses = [status] },
        };
    }

    private static V1ContainerState Waiting(string reason) => new() { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = $"{reason} details" } };

    [Theory]
    [InlineData("CrashLoopBackOff")]
    [InlineData("ErrImagePull")]
    [InlineData("ImagePullBackOff")]
    [InlineData("CreateContainerConfigError")]
    [InlineData("CreateContainerError")]
    [InlineData("InvalidImageName")]
    public void A_waiting_reason_that_will_not_fix_itself_is_a_failure(string reason)
    {
        var failing = PodFailures.Find([Pod("web-1", new V1ContainerState { Running = new V1ContainerStateRunning() }), Pod("web-2", Waiting(reason))]);

        Assert.Equal(("web-2", "app", reason, $"{reason} details"), (failing?.Pod.Metadata.Name, failing?.Status.Name, failing?.Reason, failing?.Message));
    }

    [Theory]
    [InlineData("ContainerCreating")]
    [InlineData("PodInitializing")]
    public void Waiting_that_passes_by_itself_is_not_a_failure(string reason) =>
        Assert.Null(PodFailures.Find([Pod("web-1", Waiting(reason))]));

    [Fact]
    public void An_OOM_kill_in_the_last_termination_is_a_failure_even_while_the_container_runs_again()
    {
        var last = new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = "OOMKilled", ExitCode = 137 } };

        var failing = PodFailures.Find([Pod("web-1", new V1ContainerState { Running = new V1ContainerStateRunning() }, last, restarts: 1)])!;

        Assert.Equal(("OOMKilled", 137, true, true), (failing.Reason, failing.ExitCode, failing.Ran, failing.ReadPrevious));
    }

    [Fact]
    public void An_init_container_that_cannot_pull_its_image_is_a_failure_that_never_ran()
    {
        var failing = PodFailures.Find([Pod("web-1", Waiting("ImagePullBackOff"), init: true)])!;

        Assert.Equal(("ImagePullBackOff", false, false), (failing.Reason, failing.Ran, failing.ReadPrevious));
    }
}
