/*
 * pipelines.h — pipeline declarations the orchestrator integration tests run.
 * Providers are Sluice's built-in ones; the scripted runner answers every job.
 */
#ifndef SLUICE_TEST_ORCH_PIPELINES_H
#define SLUICE_TEST_ORCH_PIPELINES_H

#define PIPE_SOURCE_STAGE                                                                          \
    "{\"name\":\"Source\",\"actions\":[{\"name\":\"Source\",\"actionTypeId\":{\"category\":"       \
    "\"Source\",\"owner\":\"AWS\",\"provider\":\"CodeCommit\",\"version\":\"1\"},"                 \
    "\"configuration\":{\"RepositoryName\":\"demo\",\"BranchName\":\"main\"},"                     \
    "\"outputArtifacts\":[{\"name\":\"SourceOut\"}],\"namespace\":\"SourceVariables\"}]}"

#define PIPE_ACTION(name, category, provider, run_order, in, out)                                  \
    "{\"name\":\"" name "\",\"runOrder\":" #run_order                                              \
    ",\"actionTypeId\":{\"category\":\"" category "\",\"owner\":\"AWS\",\"provider\":\"" provider  \
    "\",\"version\":\"1\"},"                                                                       \
    "\"configuration\":{\"ProjectName\":\"p\"},\"inputArtifacts\":[{\"name\":\"" in "\"}]" out "}"

#define PIPE_OUT(name) ",\"outputArtifacts\":[{\"name\":\"" name "\"}]"

/* Source → Build (BuildA ∥ BuildB, then Package) → Test → Deploy. */
#define PIPE_FOUR_STAGES(mode_fields)                                                                                                       \
    "{\"name\":\"P\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\","                                                                     \
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"artifacts\"}," mode_fields                                                           \
    "\"stages\":[" PIPE_SOURCE_STAGE ","                                                                                                    \
    "{\"name\":\"Build\",\"actions\":[" PIPE_ACTION("BuildA", "Build", "CodeBuild", 1, "SourceOut", PIPE_OUT("BuildAOut")) "," PIPE_ACTION( \
        "BuildB", "Build", "CodeBuild", 1, "SourceOut",                                                                                     \
        PIPE_OUT(                                                                                                                           \
            "BuildBOut")) "," PIPE_ACTION("Package", "Build", "CodeBuild", 2, "BuildAOut",                                                  \
                                          PIPE_OUT(                                                                                         \
                                              "PackageOut")) "]},"                                                                          \
                                                             "{\"name\":\"Test\",\"actions\":"                                              \
                                                             "[" PIPE_ACTION(                                                               \
                                                                 "TestIt", "Test", "CodeBuild", 1,                                          \
                                                                 "PackageOut",                                                              \
                                                                 "") "]},"                                                                  \
                                                                     "{\"name\":\"Deploy\","                                                \
                                                                     "\"actions\":[" PIPE_ACTION(                                           \
                                                                         "DeployIt", "Build",                                               \
                                                                         "CodeBuild", 1,                                                    \
                                                                         "BuildBOut", "") "]}]}"

/* Source → Build (one action, Hold) → Deploy; V2 with the given execution mode. */
#define PIPE_THREE_STAGES(mode)                                                                    \
    "{\"name\":\"P\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\","                            \
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"artifacts\"},"                              \
    "\"pipelineType\":\"V2\",\"executionMode\":\"" mode "\","                                      \
    "\"stages\":[" PIPE_SOURCE_STAGE ","                                                           \
    "{\"name\":\"Build\",\"actions\":[" PIPE_ACTION(                                               \
        "Hold", "Build", "CodeBuild", 1, "SourceOut",                                              \
        PIPE_OUT("HoldOut")) "]},"                                                                 \
                             "{\"name\":\"Deploy\",\"actions\":[" PIPE_ACTION(                     \
                                 "DeployIt", "Build", "CodeBuild", 1, "HoldOut", "") "]}]}"

/* Source → Approve (Manual, 5-minute timeout) → Deploy. */
#define PIPE_APPROVAL                                                                              \
    "{\"name\":\"P\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\","                            \
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"artifacts\"},"                              \
    "\"stages\":[" PIPE_SOURCE_STAGE ","                                                           \
    "{\"name\":\"Approve\",\"actions\":[{\"name\":\"Review\",\"timeoutInMinutes\":5,"              \
    "\"actionTypeId\":{\"category\":\"Approval\",\"owner\":\"AWS\",\"provider\":\"Manual\","       \
    "\"version\":\"1\"},\"configuration\":{\"CustomData\":\"Ship "                                 \
    "#{SourceVariables.RESULT}?\"}}]},"                                                            \
    "{\"name\":\"Deploy\",\"actions\":[" PIPE_ACTION("DeployIt", "Build", "CodeBuild", 1,          \
                                                     "SourceOut", "") "]}]}"

/* V2, PARALLEL: Source → Build (BuildA ∥ BuildB, then Package) → Deploy; Package's
   configuration carries #{variables.Outcome} so a start can ask for its failure. */
#define PIPE_CRASH                                                                                 \
    "{\"name\":\"P\",\"roleArn\":\"arn:aws:iam::123456789012:role/r\","                            \
    "\"artifactStore\":{\"type\":\"S3\",\"location\":\"artifacts\"},"                              \
    "\"pipelineType\":\"V2\",\"executionMode\":\"PARALLEL\","                                      \
    "\"variables\":[{\"name\":\"Outcome\",\"defaultValue\":\"pass\"}],"                            \
    "\"stages\":[" PIPE_SOURCE_STAGE ","                                                           \
    "{\"name\":\"Build\",\"actions\":[" PIPE_ACTION(                                               \
        "BuildA", "Build", "CodeBuild", 1, "SourceOut",                                            \
        PIPE_OUT(                                                                                  \
            "BuildAOut")) "," PIPE_ACTION("BuildB", "Build", "CodeBuild", 1, "SourceOut",          \
                                          "") ","                                                  \
                                              "{\"name\":\"Package\",\"runOrder\":2,"              \
                                              "\"actionTypeId\":{\"category\":\"Build\","          \
                                              "\"owner\":\"AWS\",\"provider\":\"CodeBuild\","      \
                                              "\"version\":\"1\"},\"configuration\":"              \
                                              "{\"ProjectName\":\"p\",\"Outcome\":\"#{variables."  \
                                              "Outcome}\"},"                                       \
                                              "\"inputArtifacts\":[{\"name\":\"BuildAOut\"}],"     \
                                              "\"outputArtifacts\":[{\"name\":\"PkgOut\"}]}]},"    \
                                              "{\"name\":\"Deploy\",\"actions\":[" PIPE_ACTION(    \
                                                  "DeployIt", "Build", "CodeBuild", 1, "PkgOut",   \
                                                  "") "]}]}"

#endif
