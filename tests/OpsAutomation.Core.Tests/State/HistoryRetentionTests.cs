using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.State;

public sealed class HistoryRetentionTests
{
    [Fact]
    public async Task A_run_removes_history_older_than_the_retention_and_keeps_the_rest()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        using var harness = new HealthHarness(time) { HistoryRetentionDays = 7 };
        await using var server = new FaultServer();
        await harness.RunAsync(HealthHarness.Http(server.Url, "old"));
        time.Advance(TimeSpan.FromDays(6));
        await harness.RunAsync(HealthHarness.Http(server.Url, "recent"));
        time.Advance(TimeSpan.FromDays(2));
        await harness.RunAsync(HealthHarness.Http(server.Url, "new"));

        var store = await harness.Runtime.GetStateStoreAsync(harness.StatePath, CancellationToken.None);
        var kept = await new HealthHistoryStore(store).ReadAsync(null, null, 100, CancellationToken.None);
        Assert.Equal(["new", "recent"], kept.Select(r => r.Name));
    }
}
