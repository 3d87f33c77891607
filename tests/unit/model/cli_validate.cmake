# Runs `sluice validate` (-DSLUICE=<binary>, -DDATA=<dir with cli_ok.json, cli_bad.json>)
# and checks exit statuses and output lines.
function(run_sluice expected_status out_var err_var)
  execute_process(COMMAND ${SLUICE} ${ARGN}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL expected_status)
    message(FATAL_ERROR "sluice ${ARGN}: exit ${status}, want ${expected_status}\n${out}${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

function(expect_contains text needle)
  string(FIND "${text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected \"${needle}\" in:\n${text}")
  endif()
endfunction()

unset(ENV{SLUICE_EXTERNAL_PROVIDERS})
unset(ENV{SLUICE_CONFIG_FILE})

run_sluice(0 out err validate ${DATA}/cli_ok.json)
expect_contains("${out}" "${DATA}/cli_ok.json: ok")

run_sluice(1 out err validate ${DATA}/cli_ok.json ${DATA}/cli_bad.json)
expect_contains("${out}" "${DATA}/cli_ok.json: ok")
expect_contains("${out}" "${DATA}/cli_bad.json: InvalidActionDeclarationException pipeline.stages[1].actions[0].actionTypeId: action type AWS/Deploy/CodeDeploy/1 is not run")
expect_contains("${out}" "${DATA}/cli_bad.json: InvalidStructureException pipeline.stages[1].actions[0].inputArtifacts[0].name: artifact \"BuildOut\" is not produced by an earlier action")

# A provider served by external job workers is accepted.
set(ENV{SLUICE_EXTERNAL_PROVIDERS} "AWS/Deploy/CodeDeploy/1")
run_sluice(1 out err validate ${DATA}/cli_bad.json)
string(FIND "${out}" "CodeDeploy/1 is not run" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "external provider still rejected:\n${out}")
endif()
set(ENV{SLUICE_EXTERNAL_PROVIDERS} "not-a-provider")
run_sluice(2 out err validate ${DATA}/cli_ok.json)
expect_contains("${err}" "SLUICE_EXTERNAL_PROVIDERS")
unset(ENV{SLUICE_EXTERNAL_PROVIDERS})

# --portable: a valid AWS-only declaration is portable; Sluice's keys are listed (exit 1).
run_sluice(0 out err validate --portable ${DATA}/cli_ok.json)
expect_contains("${out}" "${DATA}/cli_ok.json: ok, portable")
run_sluice(1 out err validate --portable ${DATA}/cli_sluice_only.json)
expect_contains("${out}" "${DATA}/cli_sluice_only.json: Sluice-only pipeline.stages[1].actions[0].configuration.SluiceRequiredApprovals: Sluice's own configuration key")
expect_contains("${out}" "${DATA}/cli_sluice_only.json: ok, Sluice-only (2 items)")
run_sluice(0 out err validate ${DATA}/cli_sluice_only.json)
expect_contains("${out}" "${DATA}/cli_sluice_only.json: ok")
run_sluice(2 out err validate --portable)

# Usage errors and unreadable files.
run_sluice(2 out err)
expect_contains("${err}" "usage: sluice validate [--portable] FILE...")
run_sluice(2 out err validate)
run_sluice(2 out err frobnicate)
expect_contains("${err}" "unknown command")
run_sluice(0 out err validate --help)
run_sluice(2 out err validate ${DATA}/no-such-file.json)
expect_contains("${err}" "no-such-file.json: cannot read")
message(STATUS "sluice validate: all checks passed")
