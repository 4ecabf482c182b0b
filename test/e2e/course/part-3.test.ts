import { courseSuite } from "../../helpers/course-suite.ts";

courseSuite(2, 4);
