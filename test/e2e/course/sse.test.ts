import { courseSuite } from "../../helpers/course-suite.ts";

courseSuite(5, 8);
