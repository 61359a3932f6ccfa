using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Health;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Tests.Health;

public sealed class CatalogDependsOnTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly OpsSettings Settings = new() { StatePath = "/tmp/unused" };

    public void Dispose() => _dir.Dispose();

    private IReadOnlyList<HealthCheckDefinition> Bind(string content) =>
        HealthCatalog.Read(_dir.File("services.yaml", content), new ConfigurationFileReader()).Bind(null, Settings, _ => null);

    [Fact]
    public void DependsOn_takes_a_name_or_a_list_of_names()
    {
        var definitions = Bind("""
            Services:
              - { Name: db, Kind: Tcp, Uri: "127.0.0.1:5432" }
              - { Name: api, Uri: "http://127.0.0.1:1/", DependsOn: db }
              - { Name: ui, Uri: "http://127.0.0.1:2/", DependsOn: [api, DB] }
            """);
        Assert.Equal([[], ["db"], ["api", "DB"]], definitions.Select(d => d.DependsOn.ToArray()));
    }

    [Fact]
    public void An_unknown_dependency_is_an_error_naming_the_entry_and_the_name()
    {
        var error = Assert.Throws<ConfigurationException>(() => Bind("""
            Services:
              - { Name: api, Uri: "http://127.0.0.1:1/", DependsOn: postgres }
            """));
        Assert.True(error.Message.Contains("'postgres'", StringComparison.Ordinal), error.Message);
        Assert.Equal("Services[0].DependsOn", error.Key);
        Assert.Contains("services.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cycle_is_an_error_that_shows_it()
    {
        var error = Assert.Throws<ConfigurationException>(() => Bind("""
            Services:
              - { Name: a, Uri: "http://127.0.0.1:1/", DependsOn: b }
              - { Name: b, Uri: "http://127.0.0.1:2/", DependsOn: c }
              - { Name: c, Uri: "http://127.0.0.1:3/", DependsOn: a }
            """));
        Assert.Contains("a -> b -> c -> a", error.Message, StringComparison.Ordinal);
        Assert.Contains("DependsOn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_depending_on_itself_is_a_cycle()
    {
        var error = Assert.Throws<ConfigurationException>(() => Bind("Services:\n  - { Name: a, Uri: \"http://127.0.0.1:1/\", DependsOn: a }\n"));
        Assert.Contains("a -> a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DependsOn_is_not_a_default()
    {
        Assert.Throws<ConfigurationException>(() => Bind("Defaults: { DependsOn: a }\nServices:\n  - { Name: a, Uri: \"http://127.0.0.1:1/\" }\n"));
    }
}
