using OpsAutomation.Core.Deployment.Images;

namespace OpsAutomation.Core.Tests.Deployment.Images;

public sealed class ImageReferenceParserTests
{
    private const string Sha = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("web", "docker.io", "library/web", "latest", null)]
    [InlineData("web:1.2", "docker.io", "library/web", "1.2", null)]
    [InlineData("team/web", "docker.io", "team/web", "latest", null)]
    [InlineData("docker.io/web", "docker.io", "library/web", "latest", null)]
    [InlineData("index.docker.io/team/web:2", "docker.io", "team/web", "2", null)]
    [InlineData("localhost/web", "localhost", "web", "latest", null)]
    [InlineData("127.0.0.1:5000/team/web:v1", "127.0.0.1:5000", "team/web", "v1", null)]
    [InlineData("registry.example.com/a/b/c:x_y-z.1", "registry.example.com", "a/b/c", "x_y-z.1", null)]
    [InlineData("registry:5000/web@" + Sha, "registry:5000", "web", null, Sha)]
    [InlineData("registry:5000/web:1@" + Sha, "registry:5000", "web", "1", Sha)]
    [InlineData("[::1]:5000/web", "[::1]:5000", "web", "latest", null)]
    public void A_reference_splits_into_registry_repository_tag_and_digest(string value, string registry, string repository, string? tag, string? digest)
    {
        var reference = ImageReferenceParser.Parse(value);
        Assert.Equal((registry, repository, tag, digest), (reference.Registry, reference.Repository, reference.Tag, reference.Digest));
    }

    [Theory]
    [InlineData("web", "docker.io/library/web:latest")]
    [InlineData("127.0.0.1:5000/web@" + Sha, "127.0.0.1:5000/web@" + Sha)]
    public void The_text_form_is_the_full_reference(string value, string expected) => Assert.Equal(expected, ImageReferenceParser.Parse(value).ToString());

    [Fact]
    public void The_digest_reference_drops_the_tag() =>
        Assert.Equal("127.0.0.1:5000/web@" + Sha, ImageReferenceParser.Parse("127.0.0.1:5000/web:1@" + Sha).DigestReference);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Web", "repository 'library/Web'")]
    [InlineData("web:", "tag ''")]
    [InlineData("web:-x", "tag '-x'")]
    [InlineData("web@sha256:abc", "digest 'sha256:abc'")]
    [InlineData("team//web", "repository 'team//web'")]
    [InlineData("bad_host:5000/web", "registry 'bad_host:5000'")]
    public void A_bad_reference_names_the_value_and_the_part_at_fault(string value, string part)
    {
        var error = Assert.Throws<ImageReferenceException>(() => ImageReferenceParser.Parse(value, "-Tag"));
        Assert.StartsWith($"-Tag '{value}' is not an image reference", error.Message);
        Assert.Contains(part, error.Message);
    }
}
