using OpsAutomation.Core.Deployment.Images;

namespace OpsAutomation.Core.Tests.Deployment.Images;

public sealed class DockerIgnoreTests
{
    [Theory]
    [InlineData("secret.txt", "secret.txt", true)]
    [InlineData("secret.txt", "sub/secret.txt", false)]
    [InlineData("/secret.txt", "secret.txt", true)]
    [InlineData("*.log", "app.log", true)]
    [InlineData("*.log", "logs/app.log", false)]
    [InlineData("*/*.log", "logs/app.log", true)]
    [InlineData("**/*.log", "app.log", true)]
    [InlineData("**/*.log", "a/b/c/app.log", true)]
    [InlineData("a/**/z", "a/z", true)]
    [InlineData("a/**/z", "a/b/c/z", true)]
    [InlineData("a/**", "a/b/c", true)]
    [InlineData("node_modules", "node_modules/x/index.js", true)]
    [InlineData("build/", "build/out.bin", true)]
    [InlineData("temp?", "temp1", true)]
    [InlineData("temp?", "temp12", false)]
    [InlineData("file[0-9].txt", "file7.txt", true)]
    [InlineData("file[!0-9].txt", "file7.txt", false)]
    [InlineData("file[!0-9].txt", "filex.txt", true)]
    [InlineData(@"star\*", "star*", true)]
    [InlineData(@"star\*", "stars", false)]
    [InlineData("./docs/../secret", "secret", true)]
    [InlineData("# a comment", "# a comment", false)]
    public void A_pattern_matches_as_docker_matches_it(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse([pattern]).IsExcluded(path));

    [Theory]
    [InlineData("keep.md", false)]
    [InlineData("other.md", true)]
    [InlineData("docs/keep.md", true)]
    public void An_exception_brings_back_what_an_earlier_pattern_left_out(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse(["*.md", "!keep.md", "docs"]).IsExcluded(path));

    [Fact]
    public void The_last_matching_pattern_decides() =>
        Assert.True(DockerIgnore.Parse(["*.md", "!README.md", "README*"]).IsExcluded("README.md"));
}
