using OpsAutomation.Sandbox.Pods;

namespace OpsAutomation.Sandbox.Tests.Pods;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("nginx", "docker.io", "library/nginx", "latest", null)]
    [InlineData("nginx:1.27", "docker.io", "library/nginx", "1.27", null)]
    [InlineData("team/app:v2", "docker.io", "team/app", "v2", null)]
    [InlineData("127.0.0.1:5000/web:v1", "127.0.0.1:5000", "web", "v1", null)]
    [InlineData("127.0.0.1:5000/team/web", "127.0.0.1:5000", "team/web", "latest", null)]
    [InlineData("localhost/web:v1", "localhost", "web", "v1", null)]
    [InlineData("ghcr.io/org/app@sha256:abc", "ghcr.io", "org/app", null, "sha256:abc")]
    [InlineData("127.0.0.1:5000/web:v1@sha256:abc", "127.0.0.1:5000", "web", "v1", "sha256:abc")]
    public void References_are_normalized_as_the_container_runtime_does(string image, string registry, string repository, string? tag, string? digest) =>
        Assert.Equal(new ImageReference(registry, repository, tag, digest), ImageReference.Parse(image));

    [Fact]
    public void A_digest_is_what_the_registry_is_asked_for_even_with_a_tag() =>
        Assert.Equal("sha256:abc", ImageReference.Parse("127.0.0.1:5000/web:v1@sha256:abc").Reference);

    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("https://127.0.0.1:5443", "127.0.0.1:5443", "https://127.0.0.1:5443/")]
    public void The_registry_option_takes_an_address_or_a_url(string value, string host, string baseUri)
    {
        var settings = RegistrySettings.Parse(value, "u", "secret");
        Assert.Equal((host, new Uri(baseUri)), (settings.Host, settings.BaseUri));
        Assert.DoesNotContain("secret", settings.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:5000")]
    [InlineData("http://127.0.0.1:5000/v2/")]
    public void A_registry_option_that_is_no_registry_address_is_refused(string value) =>
        Assert.Contains($"'{value}'", Assert.Throws<ArgumentException>(() => RegistrySettings.Parse(value, null, null)).Message, StringComparison.Ordinal);
}
